package io.gatehouse.itests;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The repository's {@code ./gatehouse} launcher run as a user would, against a private copy of the built
 * distribution (unpacked from the tar.gz, so a test may wipe and unpack it again like a rebuild does) and a
 * private runtime folder, with every port chosen free: admin API, the embedded default's demo server, SSH,
 * JMX and Hazelcast. {@link #close()} stops what was started, by the launcher and, failing that, by the pid Karaf
 * wrote.
 */
final class Launcher implements AutoCloseable {
    private static final long COMMAND_TIMEOUT_SECONDS = 300;

    private final Path script = Path.of(System.getProperty("gatehouse.launcher")).toAbsolutePath().normalize();
    private final Path dist;
    private final Path runtime;
    private final Path output;
    private final int adminPort;
    private final int httpPort;
    private final Map<String, String> env = new LinkedHashMap<>();
    private int runs;

    /** The result of one command: its exit status and what it printed (stdout and stderr). */
    record Result(int exit, String output) {
    }

    Launcher(Path parent, int adminPort, int httpPort) throws IOException, InterruptedException {
        this.dist = parent.resolve("dist");
        this.runtime = parent.resolve("runtime");
        this.output = parent.resolve("output");
        this.adminPort = adminPort;
        this.httpPort = httpPort;
        Files.createDirectories(output);
        unpack();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("GATEHOUSE_DIST", dist.toString());
        env.put("GATEHOUSE_RUNTIME", runtime.toString());
        env.put("GATEHOUSE_NO_BUILD", "1");
        env.put("GATEHOUSE_WAIT_SECONDS", "180");
        env.put("GATEHOUSE_ADMIN_PORT", String.valueOf(adminPort));
        env.put("GATEHOUSE_HTTP_PORT", String.valueOf(httpPort));
        env.put("ORG_APACHE_KARAF_SHELL_SSHPORT", String.valueOf(Ports.free()));
        env.put("ORG_APACHE_KARAF_MANAGEMENT_RMIREGISTRYPORT", String.valueOf(Ports.free()));
        env.put("ORG_APACHE_KARAF_MANAGEMENT_RMISERVERPORT", String.valueOf(Ports.free()));
        // Karaf's configuration plugin: overrides bind.port of etc/io.gatehouse.cluster.cfg (Hazelcast)
        env.put("IO_GATEHOUSE_CLUSTER_BIND_PORT", String.valueOf(Ports.free()));
    }

    /** Sets (or, with null, removes) an environment variable of the commands run from now on. */
    void env(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
    }

    Path dist() {
        return dist;
    }

    Path runtime() {
        return runtime;
    }

    String admin(String path) {
        return "http://127.0.0.1:" + adminPort + path;
    }

    int httpPort() {
        return httpPort;
    }

    /** Runs {@code ./gatehouse args...} to its end (bounded) and returns its exit status and output. */
    Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(List.of(args));
        File out = output.resolve("run-" + (++runs) + "-" + String.join("-", args) + ".txt").toFile();
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(out));
        pb.environment().keySet().removeIf(k -> k.startsWith("GATEHOUSE_") || k.startsWith("KARAF_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("./gatehouse " + String.join(" ", args) + " did not finish in "
                    + COMMAND_TIMEOUT_SECONDS + " s: " + Files.readString(out.toPath(), StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8));
    }

    /**
     * Starts Karaf on the runtime folder with the distribution's own {@code bin/start}, bypassing the
     * launcher and its checks (as someone starting it by hand would), with the embedded default off.
     */
    void startByHand() throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(dist.resolve("bin/start").toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.resolve("by-hand.txt").toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("GATEHOUSE_") || k.startsWith("KARAF_"));
        pb.environment().putAll(env);
        pb.environment().put("KARAF_BASE", runtime.toString());
        pb.environment().put("IO_GATEHOUSE_ADMIN_PORT", String.valueOf(adminPort));
        pb.environment().put("IO_GATEHOUSE_CORE_DEFAULTS", "none");
        pb.environment().put("CHECK_ROOT_INSTANCE_RUNNING", "false");
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("bin/start failed");
        }
    }

    /** Deletes the distribution copy and unpacks it again, as a rebuild replaces target/assembly. */
    void rebuild() throws IOException, InterruptedException {
        deleteTree(dist);
        unpack();
    }

    private void unpack() throws IOException, InterruptedException {
        Path tmp = dist.resolveSibling("unpack");
        deleteTree(tmp);
        Files.createDirectories(tmp);
        File tarGz = new File(System.getProperty("gatehouse.assembly"));
        Process tar = new ProcessBuilder("tar", "-xzf", tarGz.getAbsolutePath(), "-C", tmp.toString())
                .redirectErrorStream(true).start();
        if (!tar.waitFor(120, TimeUnit.SECONDS) || tar.exitValue() != 0) {
            tar.destroyForcibly();
            throw new IOException("could not unpack " + tarGz);
        }
        Path home;
        try (Stream<Path> dirs = Files.list(tmp)) {
            home = dirs.filter(d -> Files.isDirectory(d.resolve("bin"))).findFirst()
                    .orElseThrow(() -> new IOException("no Karaf home in " + tarGz));
        }
        Files.move(home, dist);
        deleteTree(tmp);
    }

    /** The JVM Karaf wrote to the runtime's karaf.pid, if it is alive. */
    Optional<ProcessHandle> karaf() throws IOException {
        Path pid = runtime.resolve("karaf.pid");
        if (!Files.exists(pid)) {
            return Optional.empty();
        }
        String text = Files.readString(pid, StandardCharsets.US_ASCII).trim();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(text)).filter(ProcessHandle::isAlive);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            if (Files.isDirectory(runtime)) {
                run("stop");
            }
        } finally {
            Optional<ProcessHandle> left = karaf();
            if (left.isPresent()) {
                ProcessHandle h = left.get();
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
                h.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(t -> h).join();
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
