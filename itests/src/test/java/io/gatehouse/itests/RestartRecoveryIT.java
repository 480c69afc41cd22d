package io.gatehouse.itests;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.Test;

/**
 * The distribution as a real process: the embedded default answers on first start, a change made through
 * the admin API survives a crash (SIGKILL) because it was in the operation log before it was acknowledged,
 * and the default is not applied a second time on restart.
 */
public class RestartRecoveryIT {
    private final Http http = new Http();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    public void configurationSurvivesACrashAndTheDefaultIsAppliedOnce() throws Exception {
        Path parent = Paths.get(System.getProperty("project.build.directory", "target"), "restart-it-" + System.nanoTime());
        int adminPort = Ports.free();
        int demoPort = Ports.free();
        int appPort = Ports.free();
        try (KarafProcess karaf = KarafProcess.unpack(parent, adminPort)) {
            Path defaults = karaf.home().resolve("etc/gatehouse-default.yaml");
            String demo = Files.readString(defaults, StandardCharsets.UTF_8).replace("10080", String.valueOf(demoPort));
            Path itDefaults = karaf.home().resolve("etc/it-default.yaml");
            Files.writeString(itDefaults, demo, StandardCharsets.UTF_8);
            karaf.setProperty("etc/io.gatehouse.core.cfg", "defaults", itDefaults.toString());

            karaf.start();
            String root = "http://127.0.0.1:" + demoPort + "/";
            await().atMost(120, SECONDS).until(() -> http.status(root) == 200);
            HttpResponse<String> welcome = http.get(root);
            assertTrue(welcome.body(), welcome.body().toLowerCase().contains("gatehouse"));

            String yaml = """
                    kind: Pipeline
                    name: survivor
                    spec:
                      plugins:
                        - name: answer
                          kind: mock
                          spec:
                            body: "still here\\n"
                    ---
                    kind: HTTPServer
                    name: survivor
                    spec:
                      address: 127.0.0.1
                      port: %d
                      rules:
                        - pipeline: survivor
                    """.formatted(appPort);
            String adminBase = "http://127.0.0.1:" + adminPort;
            await().atMost(60, SECONDS).until(() -> http.writable(adminBase));
            HttpResponse<String> applied = http.send("POST", adminBase + "/api/v1/apply", "application/yaml", yaml);
            assertEquals(applied.body(), 200, applied.statusCode());
            String app = "http://127.0.0.1:" + appPort + "/anything";
            assertEquals("still here\n", http.get(app).body());
            long appliedIndex = appliedIndex(adminBase);
            long defaultRevision = revision(adminBase, "HTTPServer", "demo");

            karaf.kill();
            assertEquals("the gateway is down", -1, http.status(app));

            karaf.start();
            await().atMost(120, SECONDS).until(() -> http.status(app) == 200);
            await().atMost(60, SECONDS).until(() -> http.status(adminBase + "/api/v1/health") == 200);
            assertEquals("still here\n", http.get(app).body());
            assertEquals(200, http.status(root));
            assertEquals(200, http.status(adminBase + "/api/v1/objects/Pipeline/survivor"));
            // the restarted node leads its one-node group with a new epoch: one no-op entry, nothing else
            await().atMost(60, SECONDS).until(() -> http.writable(adminBase));
            await("the new leadership's no-op is applied").atMost(60, SECONDS)
                    .until(() -> appliedIndex(adminBase) >= appliedIndex + 1);
            assertEquals("the default was not applied again", defaultRevision, revision(adminBase, "HTTPServer", "demo"));
            assertEquals("only the new leadership's no-op was logged", appliedIndex + 1, appliedIndex(adminBase));
        }
    }

    private long revision(String adminBase, String kind, String name) throws Exception {
        HttpResponse<String> r = http.get(adminBase + "/api/v1/objects/" + kind + "/" + name);
        assertEquals(r.body(), 200, r.statusCode());
        return json.readTree(r.body()).path("revision").asLong(-1);
    }

    private long appliedIndex(String adminBase) throws Exception {
        JsonNode health = json.readTree(http.get(adminBase + "/api/v1/health").body());
        return health.path("appliedIndex").asLong(-1);
    }
}
