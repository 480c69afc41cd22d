package io.gatehouse.cluster.internal;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ClusterSecretTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static ClusterSettings settings(String... kv) {
        Map<String, String> p = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return ClusterSettings.from(TestNodes.config(p), p);
    }

    @Test
    public void generatesAnOwnerOnlySecretOnceAndKeepsIt() throws Exception {
        Path data = tmp.getRoot().toPath();
        ClusterSecret first = ClusterSecret.resolve(settings(), data);
        Path file = data.resolve("gatehouse").resolve(ClusterSecret.GENERATED_FILE);
        assertTrue(Files.exists(file));
        assertEquals(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(file));
        ClusterSecret again = ClusterSecret.resolve(settings(), data);
        byte[] msg = "m".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(first.mac(msg), again.mac(msg));
        assertFalse(first.toString().contains(Files.readString(file).trim()));
    }

    @Test
    public void readsSecretFileAndRefusesShortOnes() throws Exception {
        Path f = tmp.newFile("s").toPath();
        Files.writeString(f, "abcdefghijklmnopqrstuvwxyz\n");
        ClusterSecret fromFile = ClusterSecret.resolve(settings("secret.file", f.toString()), null);
        ClusterSecret direct = ClusterSecret.of("abcdefghijklmnopqrstuvwxyz");
        assertTrue(direct.verify(fromFile.mac(new byte[] {1}), new byte[] {1}));
        Files.writeString(f, "short");
        try {
            ClusterSecret.resolve(settings("secret.file", f.toString()), null);
            fail();
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("secret.file: "));
        }
    }

    @Test
    public void macSeparatesParts() {
        ClusterSecret s = ClusterSecret.of("0123456789abcdef");
        byte[] ab = s.mac("a".getBytes(StandardCharsets.UTF_8), "b".getBytes(StandardCharsets.UTF_8));
        byte[] a = s.mac("ab".getBytes(StandardCharsets.UTF_8));
        assertFalse(java.util.Arrays.equals(ab, a));
        assertFalse(ClusterSecret.of("0123456789abcdeX").verify(ab, "a".getBytes(StandardCharsets.UTF_8),
                "b".getBytes(StandardCharsets.UTF_8)));
    }
}
