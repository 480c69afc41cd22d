package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.Test;

public class RouterTest {
    private final Router.Endpoint list = r -> ApiResponse.noContent();
    private final Router.Endpoint one = r -> ApiResponse.noContent();
    private final Router router = new Router()
            .get("/api/v1/objects", list)
            .post("/api/v1/objects", list)
            .get("/api/v1/objects/{kind}/{name}", one)
            .delete("/api/v1/objects/{kind}/{name}", one);

    @Test
    public void bindsPathParameters() {
        Router.Match m = router.match("GET", "/api/v1/objects/Pipeline/demo");
        assertTrue(m.found());
        assertEquals(one, m.route().endpoint());
        assertEquals(Map.of("kind", "Pipeline", "name", "demo"), m.params());
        assertFalse(m.route().body());
        assertTrue(router.match("POST", "/api/v1/objects").route().body());
    }

    @Test
    public void trailingSlashIsIgnored() {
        assertEquals(list, router.match("GET", "/api/v1/objects/").route().endpoint());
    }

    @Test
    public void otherMethodsYieldTheAllowedOnes() {
        Router.Match m = router.match("PUT", "/api/v1/objects");
        assertFalse(m.found());
        assertEquals(Set.of("GET", "POST"), m.allowed());
    }

    @Test
    public void unknownPathsMatchNothing() {
        assertNull(router.match("GET", "/api/v1/objects/Pipeline"));
        assertNull(router.match("GET", "/api/v1/objects/Pipeline//"));
        assertNull(router.match("GET", "/"));
        assertNull(router.match("GET", "/api/v1/objects/a/b/c"));
    }
}
