package io.gatehouse.itests;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Gatehouse distribution run as a real process: unpacked from the built tar.gz into a folder of its
 * own, with free ports, started with {@code bin/karaf server} and killed (SIGKILL, as a crash would) or
 * stopped by the test.
 */
public final class KarafProcess implements AutoCloseable {
    private final Path home;
    private final Path log;
    private Process process;

    private KarafProcess(Path home) {
        this.home = home;
        this.log = home.resolve("console.log");
    }

    /** Unpacks the assembly under {@code parent} and gives it free admin, SSH, RMI and Hazelcast ports. */
    public static KarafProcess unpack(Path parent, int adminPort) throws IOException, InterruptedException {
        Files.createDirectories(parent);
        File tarGz = new File(System.getProperty("gatehouse.assembly"));
        Process tar = new ProcessBuilder("tar", "-xzf", tarGz.getAbsolutePath(), "-C", parent.toString())
                .redirectErrorStream(true).start();
        if (!tar.waitFor(120, TimeUnit.SECONDS) || tar.exitValue() != 0) {
            tar.destroyForcibly();
            throw new IOException("could not unpack " + tarGz);
        }
        Path home;
        try (var dirs = Files.list(parent)) {
            home = dirs.filter(d -> Files.isDirectory(d.resolve("bin"))).findFirst()
                    .orElseThrow(() -> new IOException("no Karaf home in " + parent));
        }
        KarafProcess k = new KarafProcess(home);
        k.setProperty("etc/io.gatehouse.admin.cfg", "port", String.valueOf(adminPort));
        k.setProperty("etc/org.apache.karaf.shell.cfg", "sshPort", String.valueOf(Ports.free()));
        k.setProperty("etc/org.apache.karaf.management.cfg", "rmiRegistryPort", String.valueOf(Ports.free()));
        k.setProperty("etc/org.apache.karaf.management.cfg", "rmiServerPort", String.valueOf(Ports.free()));
        // the cluster node's Hazelcast member: never the shipped 5701, which a running ./gatehouse may hold
        k.setProperty("etc/io.gatehouse.cluster.cfg", "bind.port", String.valueOf(Ports.free()));
        return k;
    }

    public Path home() {
        return home;
    }

    /** Sets {@code key = value} in a properties file of the distribution, replacing an existing line. */
    public void setProperty(String file, String key, String value) throws IOException {
        Path f = home.resolve(file);
        List<String> out = new ArrayList<>();
        boolean replaced = false;
        if (Files.exists(f)) {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                String t = line.trim();
                if (t.startsWith(key + " ") || t.startsWith(key + "=")) {
                    out.add(key + " = " + value);
                    replaced = true;
                } else {
                    out.add(line);
                }
            }
        }
        if (!replaced) {
            out.add(key + " = " + value);
        }
        Files.write(f, out, StandardCharsets.UTF_8);
    }

    public void start() throws IOException {
        start(Map.of());
    }

    /**
     * Starts {@code bin/karaf server} with {@code env} added to the environment ({@code KARAF_OPTS}, Karaf's
     * {@code PID_PROPERTY} overrides...). With {@code KARAF_EXEC=exec} the script execs the JVM, so the
     * process is the JVM itself.
     */
    public void start(Map<String, String> env) throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/karaf").toString(), "server")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("KARAF_") || k.startsWith("GATEHOUSE_")
                || k.startsWith("IO_GATEHOUSE_") || k.startsWith("ORG_APACHE_KARAF_"));
        pb.environment().putIfAbsent("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("GATEHOUSE_ADMIN_TOKEN", Http.TOKEN);
        pb.environment().putAll(env);
        process = pb.start();
    }

    /** The process started last, if any (alive or not). */
    public Optional<ProcessHandle> process() {
        return Optional.ofNullable(process).map(Process::toHandle);
    }

    /** Kills the JVM and its launcher with SIGKILL: no shutdown hook, no clean close of the store. */
    public void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> all = new ArrayList<>();
        process.descendants().forEach(all::add);
        all.add(process.toHandle());
        for (ProcessHandle h : all) {
            h.destroyForcibly();
        }
        for (ProcessHandle h : all) {
            h.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(t -> h).join();
        }
        process.waitFor(30, TimeUnit.SECONDS);
        process = null;
    }

    /**
     * Stops Karaf as an operator would, with {@code bin/stop} (what {@code ./gatehouse stop} runs: the shutdown
     * command on Karaf's shutdown port, which stops the framework, every bundle in turn), then waits for the
     * process to end, at most {@code seconds}.
     *
     * @return true when it ended in time
     */
    public boolean stop(long seconds) throws IOException, InterruptedException {
        if (process == null) {
            return true;
        }
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/stop").toString()).directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("KARAF_") || k.startsWith("GATEHOUSE_"));
        pb.environment().putIfAbsent("JAVA_HOME", System.getProperty("java.home"));
        Process stop = pb.start();
        if (!stop.waitFor(60, TimeUnit.SECONDS)) {
            stop.destroyForcibly();
            throw new IOException("bin/stop did not return within 60 s");
        }
        boolean ended = process.waitFor(seconds, TimeUnit.SECONDS);
        if (ended) {
            process = null;
        }
        return ended;
    }

    /** The console output so far (for assertion messages). */
    public String console() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
