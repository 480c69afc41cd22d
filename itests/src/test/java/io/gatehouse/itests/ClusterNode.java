package io.gatehouse.itests;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * One node of a {@link ClusterHarness}: its unpacked distribution, its ports, and the process of its current
 * start. Karaf runs with {@code KARAF_EXEC=exec}, so the process the harness holds is the JVM itself (signals
 * reach it directly, and its pid is the one health reports).
 */
public final class ClusterNode {
    /** System property with the JVM options of test nodes (appended to the distribution's {@code setenv}). */
    public static final String JAVA_OPTS_PROPERTY = "gatehouse.it.nodeJavaOpts";
    /**
     * Test nodes live for a minute and share 2 cores: C1 only and the serial collector halve the CPU a boot
     * takes (measured: 22.9 s to 12.4 s of CPU until the admin API answers). Not for production nodes.
     */
    static final String FAST_BOOT = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";
    private final ClusterLayout.Member member;
    private final int adminPort;
    private final int demoBase;
    private final int portOffset;
    private final int sshPort;
    private final int rmiRegistryPort;
    private final int rmiServerPort;
    private final int hazelcastPort;
    private KarafProcess karaf;
    private String launchId = "";
    private boolean paused;

    /**
     * @param demoBase   the demo server's port in the embedded default, the same on every node of a harness
     * @param portOffset this node's {@code portOffset} (core configuration): it serves the demo at base + offset
     */
    ClusterNode(ClusterLayout.Member member, int adminPort, int demoBase, int portOffset, int sshPort,
                int rmiRegistryPort, int rmiServerPort, int hazelcastPort) {
        this.member = member;
        this.adminPort = adminPort;
        this.demoBase = demoBase;
        this.portOffset = portOffset;
        this.sshPort = sshPort;
        this.rmiRegistryPort = rmiRegistryPort;
        this.rmiServerPort = rmiServerPort;
        this.hazelcastPort = hazelcastPort;
    }

    void unpack(Path folder) throws IOException, InterruptedException {
        karaf = KarafProcess.unpack(folder, adminPort);
        karaf.setProperty("etc/org.apache.karaf.shell.cfg", "sshPort", String.valueOf(sshPort));
        karaf.setProperty("etc/org.apache.karaf.management.cfg", "rmiRegistryPort", String.valueOf(rmiRegistryPort));
        karaf.setProperty("etc/org.apache.karaf.management.cfg", "rmiServerPort", String.valueOf(rmiServerPort));
        // the embedded default (applied once, by the group's leader, and replicated) is the same on every node:
        // its demo server has the harness's base port; this node binds it at base + its portOffset
        Path defaults = karaf.home().resolve("etc/gatehouse-default.yaml");
        String text = Files.readString(defaults, StandardCharsets.UTF_8);
        if (!text.contains("10080")) {
            throw new IOException(defaults + " no longer names port 10080: update ClusterNode");
        }
        Files.writeString(defaults, text.replace("10080", String.valueOf(demoBase)), StandardCharsets.UTF_8);
        karaf.setProperty("etc/io.gatehouse.core.cfg", "portOffset", String.valueOf(portOffset));
    }

    public String name() {
        return member.name();
    }

    public ClusterLayout.Member member() {
        return member;
    }

    public int adminPort() {
        return adminPort;
    }

    /** The port this node serves the embedded default's demo server at: the base port + its portOffset. */
    public int demoPort() {
        return demoBase + portOffset;
    }

    /** This node's {@code portOffset}: every HTTPServer of the group's configuration is bound at port + it. */
    public int portOffset() {
        return portOffset;
    }

    public int sshPort() {
        return sshPort;
    }

    public int rmiRegistryPort() {
        return rmiRegistryPort;
    }

    public int rmiServerPort() {
        return rmiServerPort;
    }

    public int hazelcastPort() {
        return hazelcastPort;
    }

    /** Every port of this node, for checks that nodes share none. */
    public int[] ports() {
        return new int[] {adminPort, demoPort(), sshPort, rmiRegistryPort, rmiServerPort, hazelcastPort};
    }

    public String adminUrl() {
        return "http://127.0.0.1:" + adminPort;
    }

    public String demoUrl() {
        return url(demoBase);
    }

    /** Where this node serves an HTTPServer of the group's configuration that has {@code port}: port + offset. */
    public String url(int port) {
        return "http://127.0.0.1:" + (port + portOffset);
    }

    /** The unpacked distribution: {@code etc/}, {@code data/} (log in {@code data/log/karaf.log}). */
    public Path home() {
        return karaf.home();
    }

    KarafProcess karaf() {
        return karaf;
    }

    /** The launch id of the current (or last) start, which health must report. */
    public String launchId() {
        return launchId;
    }

    /** The JVM of the current (or last) start. */
    public Optional<ProcessHandle> process() {
        return karaf == null ? Optional.empty() : karaf.process();
    }

    public boolean alive() {
        return process().map(ProcessHandle::isAlive).orElse(false);
    }

    public boolean paused() {
        return paused;
    }

    void start() throws IOException {
        if (alive()) {
            throw new IllegalStateException(name() + " is already running");
        }
        launchId = UUID.randomUUID().toString();
        paused = false;
        karaf.start(Map.of(
                "KARAF_EXEC", "exec",
                "KARAF_OPTS", "-Dgatehouse.launch.id=" + launchId,
                "EXTRA_JAVA_OPTS", System.getProperty(JAVA_OPTS_PROPERTY, FAST_BOOT),
                "CHECK_ROOT_INSTANCE_RUNNING", "false"));
    }

    /** SIGTERM (Karaf's shutdown hook stops the framework), SIGKILL when still alive after {@code deadline}. */
    void stop(Duration deadline) throws Exception {
        Optional<ProcessHandle> p = process().filter(ProcessHandle::isAlive);
        if (p.isEmpty()) {
            return;
        }
        if (paused) {
            signal("CONT");
        }
        ProcessHandle h = p.get();
        h.destroy();
        boolean exited = h.onExit().thenApply(x -> true).completeOnTimeout(false, deadline.toMillis(),
                TimeUnit.MILLISECONDS).join();
        if (!exited) {
            kill();
        }
    }

    void kill() throws InterruptedException {
        karaf.kill();
        paused = false;
    }

    /** Sends SIGSTOP or SIGCONT to the JVM and checks the process state changed accordingly. */
    void signal(String signal) throws IOException, InterruptedException {
        ProcessHandle h = process().filter(ProcessHandle::isAlive)
                .orElseThrow(() -> new IllegalStateException(name() + " is not running"));
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(h.pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            kill.destroyForcibly();
            throw new IOException("kill -" + signal + " " + h.pid() + " failed");
        }
        paused = "STOP".equals(signal);
        // signals are delivered asynchronously: wait (bounded) until the kernel shows the new state
        boolean expected = paused;
        await(name() + " (pid " + h.pid() + ") " + (expected ? "stopped" : "continued")).atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20)).until(() -> stopped(h.pid()) == expected);
    }

    /** True when the process is in state T (stopped by a signal), from /proc/<pid>/stat. */
    static boolean stopped(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
        // pid (comm) state ...: comm may hold spaces and parentheses, the state follows the last ')'
        String afterComm = stat.substring(stat.lastIndexOf(')') + 2);
        char state = afterComm.charAt(0);
        return state == 'T' || state == 't';
    }

    @Override
    public String toString() {
        return name() + " (" + member.group() + ", " + member.role() + ", admin " + adminPort + ", demo " + demoPort()
                + ", hazelcast " + hazelcastPort + process().map(p -> ", pid " + p.pid()).orElse("") + ")";
    }
}
