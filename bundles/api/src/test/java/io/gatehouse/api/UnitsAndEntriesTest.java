package io.gatehouse.api;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.Units;
import io.gatehouse.api.config.Violations;
import io.gatehouse.api.log.Change;
import io.gatehouse.api.log.LogEntry;
import io.gatehouse.api.log.Operation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
    public void boundedDurationsRefuseValuesOutOfRangeWhateverTheirSize() {
        Duration min = Duration.ofMillis(10);
        Duration max = Duration.ofHours(24);
        assertEquals(Duration.ofMillis(10), Units.duration("10ms", min, max));
        assertEquals(Duration.ofHours(24), Units.duration("24h", min, max));
        assertEquals(Duration.ofMinutes(90), Units.duration("90m", min, max));
        String[] outOfRange = {"9ms", "0s", "25h", "1441m", "999999999h", "999999999999h",
            "99999999999999999999999999999999999h", "0000000000000000000000000000000000001ms"};
        for (String text : outOfRange) {
            IllegalArgumentException e = assertThrows(text, IllegalArgumentException.class,
                    () -> Units.duration(text, min, max));
            assertEquals("must be between 10ms and 24h, found '" + text + "'", e.getMessage());
        }
        assertEquals(Duration.ofMillis(10), Units.duration("0000000000000000000000000000000000010ms", min, max));
    }

    @Test
    public void unboundedDurationsNeverOverflow() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Units.duration("99999999999999999h"));
        assertEquals("'99999999999999999h' is too long", e.getMessage());
    }

    @Test
    public void boundedSizesRefuseValuesOutOfRange() {
        assertEquals(1024, Units.bytes("1KiB", 1024, 1 << 20));
        assertEquals(1 << 20, Units.bytes("1MiB", 1024, 1 << 20));
        for (String text : new String[] {"1", "1023", "1049KB", "2MiB", "99999999999999999999999GiB"}) {
            IllegalArgumentException e = assertThrows(text, IllegalArgumentException.class,
                    () -> Units.bytes(text, 1024, 1 << 20));
            assertEquals("must be between 1KiB and 1MiB, found '" + text + "'", e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Units.bytes("-1", 0, 10));
    }

    @Test
    public void formatsWithTheLargestExactUnit() {
        assertEquals("250ms", Units.format(Duration.ofMillis(250)));
        assertEquals("0ms", Units.format(Duration.ZERO));
        assertEquals("90s", Units.format(Duration.ofSeconds(90)));
        assertEquals("2m", Units.format(Duration.ofMinutes(2)));
        assertEquals("48h", Units.format(Duration.ofDays(2)));
        assertEquals("0", Units.formatBytes(0));
        assertEquals("1000", Units.formatBytes(1000));
        assertEquals("16KiB", Units.formatBytes(16 * 1024));
        assertEquals("1536KiB", Units.formatBytes(1536 * 1024));
        assertEquals("1024GiB", Units.formatBytes(1L << 40));
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
        List<Change> changes = List.of(new Change(Operation.PUT, "Pipeline", "p", "{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
        LogEntry e = LogEntry.of(7, 1, now, "req-1", changes);
        assertTrue(e.intact());
        LogEntry tampered = new LogEntry(7, 1, now, "req-1", List.of(new Change(Operation.PUT, "Pipeline", "p",
                "{\"a\":2}".getBytes(StandardCharsets.UTF_8))), e.checksum());
        assertFalse(tampered.intact());
        assertFalse(new LogEntry(8, 1, now, "req-1", changes, e.checksum()).intact());
        assertFalse(new LogEntry(7, 2, now, "req-1", changes, e.checksum()).intact());
        assertFalse(new LogEntry(7, 1, now, "req-2", changes, e.checksum()).intact());
        assertFalse(new LogEntry(7, 1, now, "req-1", List.of(), e.checksum()).intact());
        assertTrue(LogEntry.of(9, 3, now, null, List.of()).noop());
    }
}
