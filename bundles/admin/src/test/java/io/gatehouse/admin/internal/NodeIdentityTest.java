package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class NodeIdentityTest {
    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();

    @After
    public void clearLaunchId() {
        System.clearProperty(NodeIdentity.LAUNCH_ID_PROPERTY);
    }

    @Test
    public void theNodeIdIsMadeOnceAndKeptInItsDirectory() throws Exception {
        Path dir = tmp.getRoot().toPath().resolve("data/gatehouse");
        NodeIdentity first = NodeIdentity.load(dir);
        assertTrue(first.persisted());
        assertEquals(first.id(), UUID.fromString(first.id()).toString());
        assertEquals(first.id(), Files.readString(dir.resolve("node.id"), StandardCharsets.US_ASCII).trim());
        assertEquals("the same node after a restart", first.id(), NodeIdentity.load(dir).id());
        assertEquals(ProcessHandle.current().pid(), first.pid());
        assertNotEquals("another data folder is another node", first.id(),
                NodeIdentity.load(tmp.newFolder("other").toPath()).id());
        try (var files = Files.list(dir)) {
            assertEquals("no temporary file is left behind", 1, files.count());
        }
    }

    @Test
    public void aDamagedIdIsReplacedAndAnUnwritableDirectoryGivesATemporaryOne() throws Exception {
        Path dir = tmp.newFolder("damaged").toPath();
        Files.writeString(dir.resolve("node.id"), "not a uuid");
        NodeIdentity replaced = NodeIdentity.load(dir);
        assertTrue(replaced.persisted());
        assertEquals(replaced.id(), Files.readString(dir.resolve("node.id")).trim());

        Path file = tmp.newFile("a-file").toPath();
        NodeIdentity temporary = NodeIdentity.load(file.resolve("below"));
        assertFalse(temporary.persisted());
        assertEquals(temporary.id(), UUID.fromString(temporary.id()).toString());
        assertFalse(NodeIdentity.load(null).persisted());
    }

    @Test
    public void theLaunchIdComesFromTheSystemProperty() {
        assertNull(NodeIdentity.load(null).launchId());
        System.setProperty(NodeIdentity.LAUNCH_ID_PROPERTY, "abc-123");
        assertEquals("abc-123", NodeIdentity.load(null).launchId());
        System.setProperty(NodeIdentity.LAUNCH_ID_PROPERTY, " ");
        assertNull(NodeIdentity.load(null).launchId());
    }
}
