package io.gatehouse.itests;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.inject.Inject;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.junit.AfterClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The {@code gatehouse:} shell commands in the real assembly, run through Karaf's command session as a user
 * types them: apply a file (and a wrong one), list and print objects, servers, routes and kinds, read a
 * pipeline's statistics, the node's health and its group, stop and start a plugin by its kind's name, delete.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellIT extends GatehouseKarafTestSupport {
    private static final ExecutorService COMMANDS = Executors.newSingleThreadExecutor();

    @Inject
    private SessionFactory sessions;

    private final Http http = new Http();

    @Configuration
    public Option[] configuration() {
        return baseConfiguration();
    }

    @AfterClass
    public static void stopCommands() {
        COMMANDS.shutdownNow();
    }

    /** Runs one command line and answers what it printed; a failed command throws with Karaf's message. */
    private String run(String command) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Session session = sessions.create(new ByteArrayInputStream(new byte[0]), out, out);
        try {
            Future<Object> f = COMMANDS.submit(() -> session.execute(command));
            f.get(60, SECONDS);
        } finally {
            out.flush();
            session.close();
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private String refused(String command) throws Exception {
        try {
            String out = run(command);
            fail(command + " succeeded: " + out);
            return out;
        } catch (java.util.concurrent.ExecutionException e) {
            return String.valueOf(e.getCause().getMessage());
        }
    }

    @Test
    public void operatesTheGatewayFromTheShell() throws Exception {
        await().atMost(60, SECONDS).until(() -> http.writable(admin("")));
        int port = Ports.free();
        Path dir = Files.createTempDirectory("shell-it");
        Path file = dir.resolve("hello.yaml");
        Files.writeString(file, """
                kind: Pipeline
                name: shell-hello
                spec:
                  plugins:
                    - name: answer
                      kind: mock
                      spec: {status: 200, body: "hello from the shell\\n"}
                ---
                kind: HTTPServer
                name: shell-web
                spec:
                  address: 127.0.0.1
                  port: %d
                  rules:
                    - pathPrefix: /hello
                      methods: [GET]
                      pipeline: shell-hello
                """.formatted(port));

        String validated = run("gatehouse:object-validate " + file);
        assertTrue(validated, validated.contains("shell-hello") && validated.contains("created")
                && validated.contains("nothing was written"));
        assertTrue("validate wrote nothing", run("gatehouse:object-list").indexOf("shell-") < 0);
        String applied = run("gatehouse:object-apply " + file);
        assertTrue(applied, applied.contains("Pipeline") && applied.contains("shell-hello") && applied.contains("created"));
        assertTrue(applied, applied.contains("shell-web"));
        String url = "http://127.0.0.1:" + port + "/hello";
        await().atMost(30, SECONDS).until(() -> http.status(url) == 200);
        assertEquals("hello from the shell\n", http.get(url).body());

        String objects = run("gatehouse:object-list");
        assertTrue(objects, objects.contains("shell-web") && objects.contains("yes"));
        String yaml = run("gatehouse:object-get Pipeline shell-hello");
        assertTrue(yaml, yaml.contains("kind: Pipeline") && yaml.contains("name: shell-hello") && yaml.contains("kind: mock"));
        String servers = run("gatehouse:server-list");
        assertTrue(servers, servers.contains("127.0.0.1:" + port));
        String routes = run("gatehouse:route-list shell-web");
        assertTrue(routes, routes.contains("pathPrefix=/hello methods=GET") && routes.contains("shell-hello"));
        String kinds = run("gatehouse:kind-list");
        assertTrue(kinds, kinds.contains("mock") && kinds.contains("shell-hello/answer"));
        String stats = run("gatehouse:pipeline-stats shell-hello");
        java.util.regex.Matcher row = java.util.regex.Pattern.compile("shell-hello\\s*\\|\\s*(\\d+)\\s*\\|\\s*(\\d+)\\s*\\|")
                .matcher(stats);
        assertTrue(stats, row.find());
        assertTrue("the requests above were counted: " + stats, Long.parseLong(row.group(1)) >= 2);
        assertEquals("all of them 2xx: " + stats, row.group(1), row.group(2));
        String health = run("gatehouse:node-health");
        assertTrue(health, health.startsWith("healthy: applied index "));
        String cluster = run("gatehouse:cluster-status");
        assertTrue(cluster, cluster.contains("group default") && cluster.contains("leader"));

        // a plugin stopped and started by its kind's name: the pipeline answers 503, then 200 again
        String stopped = run("gatehouse:plugin-stop mock");
        assertTrue(stopped, stopped.startsWith("stopped gatehouse-plugin-mock"));
        await().atMost(30, SECONDS).until(() -> http.status(url) == 503);
        String started = run("gatehouse:plugin-start mock");
        assertTrue(started, started.startsWith("started gatehouse-plugin-mock"));
        await().atMost(30, SECONDS).until(() -> http.status(url) == 200);

        // a wrong file: refused with the offending field's path, nothing applied
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "kind: HTTPServer\nname: shell-bad\nspec:\n  port: 70000\n  rules: [{pipeline: shell-hello}]\n");
        String refusal = refused("gatehouse:object-apply " + bad);
        assertTrue(refusal, refusal.contains("refused (400") && refusal.contains("$.spec.port"));
        String invalid = refused("gatehouse:object-validate " + bad);
        assertTrue(invalid, invalid.contains("refused (400") && invalid.contains("$.spec.port"));
        assertTrue(refused("gatehouse:object-get HTTPServer shell-bad").contains("no HTTPServer named 'shell-bad'"));
        assertTrue(refused("gatehouse:object-apply " + dir.resolve("missing.yaml")).contains("no such file"));

        // deleting a pipeline a server routes to is refused; the server first, then the pipeline
        assertTrue(refused("gatehouse:object-delete Pipeline shell-hello").contains("refused (409"));
        assertTrue(run("gatehouse:object-delete HTTPServer shell-web").contains("deleted HTTPServer 'shell-web'"));
        assertTrue(run("gatehouse:object-delete Pipeline shell-hello").contains("deleted Pipeline 'shell-hello'"));
        assertTrue(run("gatehouse:object-list").indexOf("shell-") < 0);

        // tokens: made (printed once), listed without the token, used, revoked
        String made = run("gatehouse:token-create --role read shell-dashboard");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(gh_[A-Za-z0-9_-]{43})").matcher(made);
        assertTrue(made, m.find());
        String token = m.group(1);
        String listed = run("gatehouse:token-list");
        assertTrue(listed, listed.contains("shell-dashboard") && listed.contains("read") && !listed.contains(token));
        assertEquals(200, http.token(token).get(admin("/api/v1/objects")).statusCode());
        assertEquals("a read token does not write", 403, http.token(token).send("DELETE",
                admin("/api/v1/objects/Pipeline/none"), null, null).statusCode());
        assertTrue(refused("gatehouse:token-create shell-dashboard").contains("refused (409"));
        assertTrue(refused("gatehouse:token-create bootstrap").contains("reserved"));
        assertTrue(refused("gatehouse:token-create --role root shell-x").contains("--role"));
        assertTrue(run("gatehouse:token-revoke shell-dashboard").contains("revoked token 'shell-dashboard'"));
        await().atMost(30, SECONDS).until(() -> http.token(token).get(admin("/api/v1/objects")).statusCode() == 401);
        // both are in the audit log, as the API's writes are (never the token)
        java.nio.file.Path audit = java.nio.file.Path.of(System.getProperty("karaf.log"), "audit.log");
        await().atMost(30, SECONDS).until(() -> java.nio.file.Files.exists(audit) && java.nio.file.Files.readString(audit)
                .contains("\"target\":\"gatehouse:token-revoke shell-dashboard\""));
        String lines = java.nio.file.Files.readString(audit);
        assertTrue(lines, lines.contains("\"target\":\"gatehouse:token-create shell-dashboard\"")
                && !lines.contains(token));
    }
}
