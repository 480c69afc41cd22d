package io.gatehouse.store.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.log.LogListener;
import io.gatehouse.api.log.Snapshot;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Test;

/** The LogListener whiteboard: told after a commit or an install, outside the store's lock. */
public class LogListenerTest extends StoreTestSupport {

    private final ExecutorService other = Executors.newSingleThreadExecutor();

    @After
    public void stopThread() throws InterruptedException {
        other.shutdownNow();
        assertTrue(other.awaitTermination(10, TimeUnit.SECONDS));
    }

    /** Records what it is told, and what the log and the lock looked like at that moment. */
    private static final class Recorder implements LogListener {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final H2OperationLog log;

        Recorder(H2OperationLog log) {
            this.log = log;
        }

        @Override
        public void committed(long commitIndex) {
            calls.add("committed " + commitIndex + " lock=" + log.holdsLock() + " durable=" + commitIndexOrFailure());
        }

        @Override
        public void snapshotInstalled(long index) {
            calls.add("installed " + index + " lock=" + log.holdsLock() + " durable=" + commitIndexOrFailure());
        }

        private String commitIndexOrFailure() {
            try {
                return String.valueOf(log.commitIndex());
            } catch (IOException e) {
                return e.toString();
            }
        }
    }

    @Test
    public void listenersAreToldOfEachRaisedCommitIndexOutsideTheLock() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        Recorder a = new Recorder(log);
        Recorder b = new Recorder(log);
        log.addListener(a);
        log.addListener(b);
        for (int i = 0; i < 3; i++) {
            log.append(1, "r" + i, List.of(put("Pipeline", "p" + i, "{}")));
        }
        log.commitTo(2);
        log.commitTo(2);
        log.commitTo(1);
        log.commitTo(3);
        List<String> expected = List.of("committed 2 lock=false durable=2", "committed 3 lock=false durable=3");
        assertEquals(expected, a.calls);
        assertEquals(expected, b.calls);

        log.installSnapshot(Snapshot.of(9, 2, NOW, new byte[] {9}));
        assertEquals("installed 9 lock=false durable=9", a.calls.get(2));
        assertEquals(3, a.calls.size());
    }

    @Test
    public void refusedCommitsAndInstallsTellNobody() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        Recorder r = new Recorder(log);
        log.addListener(r);
        write(log, 1, put("Pipeline", "a", "{}"));
        r.calls.clear();
        org.junit.Assert.assertThrows(IllegalArgumentException.class, () -> log.commitTo(5));
        org.junit.Assert.assertThrows(IllegalArgumentException.class,
                () -> log.installSnapshot(Snapshot.of(1, 0, NOW, new byte[0])));
        assertTrue(r.calls.isEmpty());
    }

    @Test
    public void aListenerCallingBackFromAnotherThreadDoesNotDeadlock() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        List<String> seen = new CopyOnWriteArrayList<>();
        log.addListener(new LogListener() {
            @Override
            public void committed(long commitIndex) {
                if (commitIndex != 1) {
                    // The listener's own write below, told on the other thread.
                    seen.add("told " + commitIndex);
                    return;
                }
                // What a core does: hand the work to its own thread. Here the caller waits for it, which
                // would time out if the store's lock were held by this (the calling) thread.
                Future<String> f = other.submit(() -> {
                    write(log, 1, put("Pipeline", "from-listener-" + commitIndex, "{}"));
                    return commitIndex + "->" + log.read(1, 100).entries().size();
                });
                try {
                    seen.add(f.get(10, TimeUnit.SECONDS));
                } catch (Exception e) {
                    seen.add("failed: " + e);
                }
            }

            @Override
            public void snapshotInstalled(long index) {
            }
        });
        log.append(1, "first", List.of(put("Pipeline", "first", "{}")));
        log.commitTo(1);
        // The other thread wrote and committed entry 2 while the first notification was running.
        assertEquals(List.of("told 2", "1->2"), seen);
        assertEquals(2, log.commitIndex());
    }

    @Test
    public void aFailingListenerDoesNotStopTheOthersNorTheCaller() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        log.addListener(new LogListener() {
            @Override
            public void committed(long commitIndex) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void snapshotInstalled(long index) {
                throw new IllegalStateException("listener bug");
            }
        });
        Recorder r = new Recorder(log);
        log.addListener(r);
        write(log, 1, put("Pipeline", "a", "{}"));
        log.installSnapshot(Snapshot.of(3, 1, NOW, new byte[0]));
        assertEquals(List.of("committed 1 lock=false durable=1", "installed 3 lock=false durable=3"), r.calls);
        assertEquals(3, log.commitIndex());
    }

    @Test
    public void anUnboundListenerIsNoLongerTold() throws Exception {
        H2OperationLog log = open(tmp.newFolder());
        Recorder kept = new Recorder(log);
        Recorder removed = new Recorder(log);
        log.addListener(kept);
        log.addListener(removed);
        write(log, 1, put("Pipeline", "a", "{}"));
        log.removeListener(removed);
        write(log, 1, put("Pipeline", "b", "{}"));
        assertEquals(2, kept.calls.size());
        assertEquals(1, removed.calls.size());
        assertFalse(removed.calls.get(0).contains("lock=true"));
    }
}
