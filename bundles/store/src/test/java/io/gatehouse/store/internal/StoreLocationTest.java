package io.gatehouse.store.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.Test;

public class StoreLocationTest {

    @Test
    public void karafDataIsExpanded() {
        StoreLocation l = StoreLocation.resolve("${karaf.data}/gatehouse", "oplog",
                Map.of("karaf.data", "/opt/karaf/data")::get);
        assertEquals(Path.of("/opt/karaf/data/gatehouse"), l.directory());
        assertEquals(Path.of("/opt/karaf/data/gatehouse/oplog.mv.db"), l.databaseFile());
        assertTrue(l.jdbcUrl(), l.jdbcUrl().startsWith("jdbc:h2:retry:/opt/karaf/data/gatehouse/oplog;"));
        assertTrue(l.jdbcUrl(), l.jdbcUrl().contains(";WRITE_DELAY=0"));
        // Every commit appended at the end of the file, where H2 looks for it after a crash (CrashImageTest),
        // and no chunk moved when the database closes.
        assertTrue(l.jdbcUrl(), l.jdbcUrl().contains(";REUSE_SPACE=FALSE"));
        assertTrue(l.jdbcUrl(), l.jdbcUrl().contains(";MAX_COMPACT_TIME=0"));
        assertEquals(Path.of("/opt/karaf/data/gatehouse/oplog.acknowledged"), l.acknowledgedFile());
        assertEquals(Path.of("/opt/karaf/data/gatehouse/store-failure.txt"), l.failureFile());
    }

    @Test
    public void karafDataFallsBackToDotData() {
        StoreLocation l = StoreLocation.resolve("${karaf.data}/gatehouse", "oplog", name -> null);
        assertEquals(Path.of("data/gatehouse").toAbsolutePath().normalize(), l.directory());
    }

    @Test
    public void otherUnsetPropertiesAreErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StoreLocation.resolve("${nope}/x", "oplog", name -> null));
        assertTrue(e.getMessage(), e.getMessage().startsWith("directory:") && e.getMessage().contains("nope"));
    }

    @Test
    public void unsafeValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> StoreLocation.resolve("/tmp/a;b", "oplog", n -> null));
        assertThrows(IllegalArgumentException.class, () -> StoreLocation.resolve(" ", "oplog", n -> null));
        assertThrows(IllegalArgumentException.class, () -> StoreLocation.resolve("/tmp", "", n -> null));
        assertThrows(IllegalArgumentException.class, () -> StoreLocation.resolve("/tmp", "../x", n -> null));
        assertThrows(IllegalArgumentException.class, () -> StoreLocation.resolve("/tmp", "a;TRACE_LEVEL_FILE=3", n -> null));
    }
}
