package io.gatehouse.testkit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.Test;

public class FakeHeadersTest {

    private static List<String> lines(FakeHeaders headers) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> field : headers) {
            lines.add(field.getKey() + ": " + field.getValue());
        }
        return lines;
    }

    @Test
    public void namesAreCaseInsensitiveAndOrderIsKept() {
        FakeHeaders h = new FakeHeaders().add("X-Tag", "a").add("Accept", "*/*").add("x-tag", "b").add("X-TAG", "c");
        assertEquals("a", h.get("x-TAG"));
        assertEquals(List.of("a", "b", "c"), h.getAll("X-Tag"));
        assertEquals(List.of(), h.getAll("X-Other"));
        assertNull(h.get("X-Other"));
        assertTrue(h.contains("ACCEPT"));
        assertFalse(h.contains("X-Other"));
        assertEquals(4, h.size());
        assertEquals(Set.of("X-Tag", "Accept"), h.names());
        assertEquals(List.of("X-Tag", "Accept"), List.copyOf(h.names()));
        assertEquals(List.of("X-Tag: a", "Accept: */*", "x-tag: b", "X-TAG: c"), lines(h));
    }

    @Test
    public void containsAValueWithOrWithoutCase() {
        FakeHeaders h = new FakeHeaders().add("Connection", "keep-alive").add("connection", "Upgrade");
        assertTrue(h.contains("CONNECTION", "upgrade", true));
        assertFalse(h.contains("Connection", "upgrade", false));
        assertTrue(h.contains("Connection", "Upgrade", false));
        assertFalse(h.contains("Connection", "close", true));
    }

    @Test
    public void setReplacesEveryValueAndRemoveRemovesThemAll() {
        FakeHeaders h = new FakeHeaders().add("Via", "1").add("X-A", "x").add("via", "2");
        h.set("VIA", "3");
        assertEquals(List.of("X-A: x", "VIA: 3"), lines(h));
        h.add("Via", "4").remove("via");
        assertEquals(List.of("X-A: x"), lines(h));
        assertEquals(1, h.size());
        h.remove("Absent");
        assertEquals(1, h.size());
    }

    @Test
    public void iterationIsASnapshot() {
        FakeHeaders h = new FakeHeaders().add("A", "1").add("B", "2");
        List<String> seen = new ArrayList<>();
        for (Map.Entry<String, String> field : h) {
            h.remove(field.getKey());
            seen.add(field.getKey());
        }
        assertEquals(List.of("A", "B"), seen);
        assertEquals(0, h.size());
    }

    @Test
    public void refusesWhatCannotGoOnTheWire() {
        FakeHeaders h = new FakeHeaders();
        assertThrows(IllegalArgumentException.class, () -> h.add("Bad Name", "1"));
        assertThrows(IllegalArgumentException.class, () -> h.add("", "1"));
        assertThrows(IllegalArgumentException.class, () -> h.set("X-Split", "a\r\nInjected: 1"));
        assertThrows(NullPointerException.class, () -> h.add("X-Null", null));
        assertEquals(0, h.size());
        h.add("X-Ok_1.~", "any value, even \"quoted\"");
        assertEquals(1, h.size());
    }

    @Test
    public void headersOfACommittedResponseAreReadOnly() {
        FakeResponse response = new FakeResponse(200, true);
        response.headers().add("X-Before", "1");
        response.commit();
        assertThrows(IllegalStateException.class, () -> response.headers().add("X-After", "1"));
        assertThrows(IllegalStateException.class, () -> response.headers().set("X-Before", "2"));
        assertThrows(IllegalStateException.class, () -> response.headers().remove("X-Before"));
        assertThrows(IllegalStateException.class, () -> response.status(500));
        assertEquals("1", response.headers().get("X-Before"));
        assertEquals(200, response.status());
    }
}
