package io.gatehouse.cluster.internal;

import com.hazelcast.cluster.Member;
import io.gatehouse.api.cluster.MemberState;
import io.gatehouse.api.cluster.MemberStatus;
import io.gatehouse.api.cluster.Role;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of its group: every member incarnation (Hazelcast member UUID) with its name, role,
 * address, trust and state, and a bounded history of membership events in Lamport order. Untrusted (pending
 * or refused) members are never listed as members and are never alive. Thread-safe (one monitor).
 */
final class MembershipView implements MemberDirectory {
    /** Events kept for the status and the console. */
    static final int HISTORY = 1000;
    /** Incarnations that are dead or left kept for the status. */
    static final int GONE_KEPT = 256;

    private static final Logger LOG = LoggerFactory.getLogger(MembershipView.class);

    enum Trust { PENDING, TRUSTED, REFUSED }

    private static final class Entry {
        final Member member;
        final String name;
        final String group;
        final Role role;
        Trust trust = Trust.PENDING;
        MemberState state = MemberState.ALIVE;
        long lastSeenNanos;

        Entry(Member member, long now) {
            this.member = member;
            this.name = attribute(member, HazelcastMembers.ATTR_NODE, "?" + member.getUuid());
            this.group = attribute(member, HazelcastMembers.ATTR_GROUP, "?");
            this.role = "observer".equals(member.getAttribute(HazelcastMembers.ATTR_ROLE)) || member.isLiteMember()
                    ? Role.OBSERVER : Role.VOTER;
            this.lastSeenNanos = now;
        }

        boolean live() {
            return trust == Trust.TRUSTED && (state == MemberState.ALIVE || state == MemberState.SUSPECT);
        }
    }

    private final String self;
    private final String group;
    private final Role role;
    private final LamportClock clock;
    private final LongSupplier nanos;
    private final long suspectAfterNanos;
    private final Map<String, Entry> byUuid = new LinkedHashMap<>();
    private final ArrayDeque<MemberEvent> history = new ArrayDeque<>();
    private String selfAddress = "";

    MembershipView(String self, String group, Role role, LamportClock clock, LongSupplier nanos,
                   long suspectAfterNanos) {
        this.self = self;
        this.group = group;
        this.role = role;
        this.clock = clock;
        this.nanos = nanos;
        this.suspectAfterNanos = suspectAfterNanos;
    }

    synchronized void selfAddress(String address) {
        selfAddress = address;
    }

    /** A member joined the Hazelcast cluster: pending until it passes the secret challenge. */
    synchronized void added(Member m) {
        if (byUuid.containsKey(m.getUuid().toString())) {
            return;
        }
        Entry e = new Entry(m, nanos.getAsLong());
        byUuid.put(m.getUuid().toString(), e);
        event(e.name, "joined", address(m) + " (not trusted yet)");
    }

    /** The member answered the secret challenge correctly. */
    synchronized void trust(String uuid) {
        Entry e = byUuid.get(uuid);
        if (e == null || e.trust != Trust.PENDING) {
            return;
        }
        // a newer incarnation of a name replaces the older ones that are gone
        byUuid.values().removeIf(o -> o != e && o.name.equals(e.name) && !o.live());
        e.trust = Trust.TRUSTED;
        e.state = MemberState.ALIVE;
        e.lastSeenNanos = nanos.getAsLong();
        event(e.name, "trusted", address(e.member));
    }

    /** The member failed the secret challenge: its messages are dropped for good. */
    synchronized void refuse(String uuid, String reason) {
        Entry e = byUuid.get(uuid);
        if (e == null || e.trust == Trust.REFUSED) {
            return;
        }
        e.trust = Trust.REFUSED;
        event(e.name, "refused", reason);
    }

    /** Hazelcast removed the member: dead, unless it said it was leaving. */
    synchronized void removed(Member m) {
        Entry e = byUuid.get(m.getUuid().toString());
        if (e == null) {
            return;
        }
        if (e.trust != Trust.TRUSTED) {
            byUuid.remove(m.getUuid().toString());
            event(e.name, "removed", "never trusted");
            return;
        }
        if (e.state != MemberState.LEFT) {
            e.state = MemberState.DEAD;
            event(e.name, "dead", "removed by the failure detector");
        }
        pruneGone();
    }

    /** The member announced a graceful leave. */
    synchronized void left(String uuid) {
        Entry e = byUuid.get(uuid);
        if (e != null && e.trust == Trust.TRUSTED && e.state != MemberState.LEFT) {
            e.state = MemberState.LEFT;
            event(e.name, "left", "graceful shutdown");
        }
    }

    /** The live member of that name announced a graceful leave. */
    synchronized void leftByName(String name) {
        for (Map.Entry<String, Entry> e : byUuid.entrySet()) {
            if (e.getValue().name.equals(name) && e.getValue().live()) {
                left(e.getKey());
            }
        }
    }

    @Override
    public synchronized void heard(String uuid) {
        Entry e = byUuid.get(uuid);
        if (e == null || e.trust != Trust.TRUSTED) {
            return;
        }
        e.lastSeenNanos = nanos.getAsLong();
        if (e.state == MemberState.SUSPECT) {
            e.state = MemberState.ALIVE;
            event(e.name, "alive", "heard again");
        }
    }

    /** Marks members silent for longer than suspectAfter as suspect. */
    synchronized void checkSuspects() {
        long now = nanos.getAsLong();
        for (Entry e : byUuid.values()) {
            if (e.trust == Trust.TRUSTED && e.state == MemberState.ALIVE && now - e.lastSeenNanos > suspectAfterNanos) {
                e.state = MemberState.SUSPECT;
                event(e.name, "suspect", "silent for " + (now - e.lastSeenNanos) / 1_000_000 + " ms");
            }
        }
    }

    @Override
    public synchronized Member trustedMember(String name) {
        for (Entry e : byUuid.values()) {
            if (e.name.equals(name) && e.live()) {
                return e.member;
            }
        }
        return null;
    }

    @Override
    public synchronized boolean trusted(String uuid) {
        Entry e = byUuid.get(uuid);
        return e != null && e.trust == Trust.TRUSTED;
    }

    synchronized Trust trustOf(String uuid) {
        Entry e = byUuid.get(uuid);
        return e == null ? null : e.trust;
    }

    @Override
    public synchronized Member relayFor(String target) {
        Member suspect = null;
        for (Entry e : byUuid.values()) {
            if (e.live() && !e.name.equals(target)) {
                if (e.state == MemberState.ALIVE) {
                    return e.member;
                }
                suspect = e.member;
            }
        }
        return suspect;
    }

    /** Live trusted members (alive or suspect), for the liveness messages. */
    synchronized List<Member> liveMembers() {
        List<Member> out = new ArrayList<>();
        for (Entry e : byUuid.values()) {
            if (e.live()) {
                out.add(e.member);
            }
        }
        return out;
    }

    /** Names of live trusted voters, this node included when it is a voter. */
    synchronized List<String> liveVoters() {
        List<String> out = new ArrayList<>();
        if (role == Role.VOTER) {
            out.add(self);
        }
        for (Entry e : byUuid.values()) {
            if (e.live() && e.role == Role.VOTER) {
                out.add(e.name);
            }
        }
        return out;
    }

    /** This node and every trusted member incarnation it knows (the newest per name), by group then name. */
    synchronized List<MemberStatus> statuses() {
        long now = nanos.getAsLong();
        Map<String, MemberStatus> byName = new LinkedHashMap<>();
        byName.put(self, new MemberStatus(self, group, role, selfAddress, MemberState.ALIVE, -1, 0));
        for (Entry e : byUuid.values()) {
            if (e.trust != Trust.TRUSTED || e.name.equals(self)) {
                continue;
            }
            MemberStatus s = new MemberStatus(e.name, e.group, e.role, address(e.member), e.state, -1,
                    Math.max(0, (now - e.lastSeenNanos) / 1_000_000));
            MemberStatus old = byName.get(e.name);
            if (old == null || e.live()) {
                byName.put(e.name, s);
            }
        }
        List<MemberStatus> out = new ArrayList<>(byName.values());
        out.sort(Comparator.comparing(MemberStatus::group).thenComparing(MemberStatus::name));
        return out;
    }

    /** The event history, oldest first (Lamport order). */
    synchronized List<MemberEvent> events() {
        return List.copyOf(history);
    }

    /** Records an event about this node itself (refusal, leadership). */
    synchronized void selfEvent(String kind, String detail) {
        event(self, kind, detail);
    }

    private void event(String member, String kind, String detail) {
        MemberEvent ev = new MemberEvent(clock.tick(), member, kind, detail, System.currentTimeMillis());
        if (history.size() == HISTORY) {
            history.removeFirst();
        }
        history.addLast(ev);
        LOG.info("Cluster member {} {}{}", member, kind, detail.isEmpty() ? "" : ": " + detail);
    }

    private void pruneGone() {
        long gone = byUuid.values().stream().filter(e -> !e.live()).count();
        var it = byUuid.values().iterator();
        while (gone > GONE_KEPT && it.hasNext()) {
            if (!it.next().live()) {
                it.remove();
                gone--;
            }
        }
    }

    static String address(Member m) {
        return m.getAddress().getHost() + ":" + m.getAddress().getPort();
    }

    private static String attribute(Member m, String key, String fallback) {
        String v = m.getAttribute(key);
        return v == null ? fallback : v;
    }
}
