package io.gatehouse.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.Units;
import io.gatehouse.api.config.Violations;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.Test;

public class UnitsAndEntriesTest {

    @Test
    public void parsesDurations() {
        assertEquals(Duration.ofMillis(250), Units.duration("250ms"));
        assertEquals(Duration.ofSeconds(5), Units.duration("5s"));
        assertEquals(Duration.ofMinutes(2), Units.duration(" 2m "));
        assertEquals(Duration.ofHours(1), Units.duration("1h"));
        assertThrows(IllegalArgumentException.class, () -> Units.duration("5"));
        assertThrows(IllegalArgumentException.class, () -> Units.duration("-1s"));
        assertThrows(IllegalArgumentException.class, () -> Units.duration(null));
    }

    @Test
    public void parsesSizes() {
        assertEquals(8192, Units.bytes("8192"));
        assertEquals(16 * 1024, Units.bytes("16KiB"));
        assertEquals(10_000_000, Units.bytes("10MB"));
        assertEquals(1L << 30, Units.bytes("1GiB"));
        assertThrows(IllegalArgumentException.class, () -> Units.bytes("ten"));
        assertThrows(IllegalArgumentException.class, () -> Units.bytes("999999999999999GiB"));
    }

    @Test
    public void violationsCarryNestedPaths() {
        Violations root = Violations.root();
        root.at("spec").at("rules").at(2).add("pipeline", "no such pipeline");
        assertEquals("$.spec.rules[2].pipeline", root.list().get(0).path());
        ConfigException e = assertThrows(ConfigException.class, root::throwIfAny);
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("$.spec.rules[2].pipeline"));
    }

    @Test
    public void checksumDetectsAnyChange() {
        Instant now = Instant.parse("2026-11-21T10:00:00.123456789Z");
        LogEntry e = LogEntry.of(7, 1, now, Operation.PUT, "Pipeline", "p", "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        assertTrue(e.intact());
        LogEntry tampered = new LogEntry(7, 1, now, Operation.PUT, "Pipeline", "p",
                "{\"a\":2}".getBytes(StandardCharsets.UTF_8), e.checksum());
        assertFalse(tampered.intact());
        LogEntry moved = new LogEntry(8, 1, now, Operation.PUT, "Pipeline", "p", e.payload(), e.checksum());
        assertFalse(moved.intact());
    }
}
