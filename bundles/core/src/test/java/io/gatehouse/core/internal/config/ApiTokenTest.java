package io.gatehouse.core.internal.config;

import static io.gatehouse.core.internal.config.Fixture.assertViolation;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ObjectStatus;
import java.util.List;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** ApiToken objects: validated at their fields' paths, stored, ready, and unchanged when written again. */
public class ApiTokenTest {
    private static final String HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private Fixture f;

    @Before
    public void start() throws Exception {
        f = new Fixture();
        f.start();
    }

    @After
    public void stop() {
        f.close();
    }

    @Test
    public void validTokenIsStoredAndReady() throws Exception {
        String yaml = "kind: ApiToken\nname: ci\nspec: {role: read, sha256: " + HASH
                + ", created: '2026-12-04T10:15:30Z'}\n";
        List<ConfigObject> out = f.apply(yaml);
        assertEquals(1, out.get(0).revision());
        assertEquals(HASH, f.service.get("ApiToken", "ci").orElseThrow().spec().path("sha256").asText());
        assertEquals(ObjectStatus.READY, f.service.status("ApiToken", "ci").orElseThrow());
        assertEquals("the same token again is unchanged", 1, f.apply(yaml).get(0).revision());
        assertTrue(f.service.objectKinds().contains("ApiToken"));
    }

    @Test
    public void badFieldsAreReportedAtTheirPaths() throws Exception {
        ConfigException e = f.refused(400, """
                kind: ApiToken
                name: ci
                spec: {role: root, sha256: ABC, created: yesterday}
                """);
        assertViolation(e, "$.spec.role", "must be read or admin");
        assertViolation(e, "$.spec.sha256", "64 lowercase hex digits");
        assertViolation(e, "$.spec.created", "ISO-8601");
        ConfigException missing = f.refused(400, "kind: ApiToken\nname: ci\nspec: {}\n");
        assertViolation(missing, "$.spec.role", "is required");
        assertViolation(missing, "$.spec.sha256", "is required");
        ConfigException token = f.refused(400, "kind: ApiToken\nname: ci\nspec: {role: read, sha256: " + HASH
                + ", token: secret}\n");
        assertViolation(token, "$.spec.token", "unknown field");
        assertTrue(f.service.list("ApiToken").isEmpty());
    }
}
