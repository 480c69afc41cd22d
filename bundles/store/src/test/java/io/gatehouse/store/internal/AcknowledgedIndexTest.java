package io.gatehouse.store.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class AcknowledgedIndexTest {

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void missingFileRecordsNothing() throws Exception {
        assertEquals(OptionalLong.empty(), AcknowledgedIndex.read(tmp.getRoot().toPath().resolve("x.acknowledged")));
    }

    @Test
    public void valuesSurviveReopeningAndOnlyMoveTheAskedWay() throws Exception {
        Path file = tmp.getRoot().toPath().resolve("x.acknowledged");
        try (AcknowledgedIndex a = AcknowledgedIndex.open(file, 5)) {
            a.raise(3);
            assertEquals(5, a.get());
            a.raise(9);
            a.lower(12);
            assertEquals(9, a.get());
        }
        assertEquals(OptionalLong.of(9), AcknowledgedIndex.read(file));
        try (AcknowledgedIndex a = AcknowledgedIndex.open(file, 9)) {
            a.lower(4);
        }
        assertEquals(OptionalLong.of(4), AcknowledgedIndex.read(file));
    }

    @Test
    public void aTornSlotFallsBackToTheOtherOne() throws Exception {
        Path file = tmp.getRoot().toPath().resolve("x.acknowledged");
        try (AcknowledgedIndex a = AcknowledgedIndex.open(file, 7)) {
            a.raise(8);
        }
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(64, bytes.length);
        // A new file's first record has sequence 1 (slot 1), so 8 has sequence 2 and went to slot 0.
        // Damage its index field as a torn write would: the checksum no longer matches.
        bytes[20] ^= 0x40;
        Files.write(file, bytes);
        assertEquals(OptionalLong.of(7), AcknowledgedIndex.read(file));
    }

    @Test
    public void noValidSlotIsDamage() throws Exception {
        Path file = tmp.getRoot().toPath().resolve("x.acknowledged");
        Files.write(file, new byte[] {1, 2, 3});
        assertThrows(AcknowledgedIndex.DamagedException.class, () -> AcknowledgedIndex.read(file));
    }
}
