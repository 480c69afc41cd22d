package io.gatehouse.dataplane.internal.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.runner.Description;
import org.junit.runner.notification.RunListener;

/**
 * Makes Netty buffer leaks fail tests: a leak detector factory whose detectors record every leak report,
 * installed before any buffer class initializes (by the surefire listener below, or by the test base
 * class). {@link #assertNoLeaks()} collects garbage, lets the detectors poll their queues and fails on any
 * recorded leak.
 */
public final class LeakDetection {
    private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static volatile boolean installed;

    private LeakDetection() {
    }

    public static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        if (ResourceLeakDetector.getLevel().ordinal() < ResourceLeakDetector.Level.PARANOID.ordinal()) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                       long maxActive) {
                return new Recording<>(resource, samplingInterval);
            }
        });
    }

    /** True when the installed factory is the one whose detectors buffers use. */
    public static boolean active() {
        return installed && ResourceLeakDetector.isEnabled()
                && ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.PARANOID;
    }

    /** Forces collection and detector polling, then fails if any leak was reported (and clears them). */
    public static void assertNoLeaks() {
        for (int i = 0; i < 4; i++) {
            System.gc();
            // every tracked allocation polls the detector's reference queue (PARANOID tracks all of them)
            ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(16);
            a.release();
            ByteBuf b = PooledByteBufAllocator.DEFAULT.heapBuffer(16);
            b.release();
            ByteBuf c = Unpooled.directBuffer(16);
            c.release();
        }
        List<String> found = new ArrayList<>();
        String s;
        while ((s = LEAKS.poll()) != null) {
            found.add(s);
        }
        if (!found.isEmpty()) {
            throw new AssertionError(found.size() + " Netty buffer leak(s) detected:\n" + String.join("\n\n", found));
        }
    }

    /** Test hook: the number of leaks recorded and not yet asserted. */
    static int pending() {
        return LEAKS.size();
    }

    static void clear() {
        LEAKS.clear();
    }

    private static final class Recording<T> extends ResourceLeakDetector<T> {
        Recording(Class<?> type, int samplingInterval) {
            super(type, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add("LEAK " + resourceType + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add("LEAK " + resourceType + " (untraced)");
            super.reportUntracedLeak(resourceType);
        }
    }

    /** Surefire run listener: installs the factory before the first test class loads Netty. */
    public static final class Installer extends RunListener {
        public Installer() {
            install();
        }

        @Override
        public void testRunStarted(Description description) {
            install();
        }
    }
}
