package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class BootstrapTokenTest {
    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private static final String GIVEN = "a-token-given-at-first-start-0123456789";

    @Test
    public void aGivenTokenIsKeptAsItsHashAndLaterValuesAreIgnored() throws Exception {
        Path data = folder.getRoot().toPath();
        BootstrapToken first = BootstrapToken.load(data, GIVEN, new AdminTokens());
        assertEquals(AdminTokens.hash(GIVEN), first.sha256());
        assertNull(first.file());
        assertTrue(Files.notExists(data.resolve(BootstrapToken.TOKEN_FILE)));
        String kept = Files.readString(data.resolve("gatehouse").resolve(BootstrapToken.HASH_FILE)).trim();
        assertEquals(AdminTokens.hash(GIVEN), kept);
        assertEquals(first.sha256(), BootstrapToken.load(data, "another-value-at-a-later-start-0123456789",
                new AdminTokens()).sha256());
        assertEquals(first.sha256(), BootstrapToken.load(data, null, new AdminTokens()).sha256());
    }

    @Test
    public void withoutOneATokenIsGeneratedIntoAnOwnerOnlyFile() throws Exception {
        Path data = folder.getRoot().toPath();
        BootstrapToken made = BootstrapToken.load(data, null, new AdminTokens());
        Path file = data.resolve(BootstrapToken.TOKEN_FILE);
        assertEquals(file, made.file());
        String token = Files.readString(file, StandardCharsets.US_ASCII).trim();
        assertEquals(AdminTokens.hash(token), made.sha256());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                data.resolve("gatehouse").resolve(BootstrapToken.HASH_FILE))));
        assertEquals("the next start reads it", made.sha256(), BootstrapToken.load(data, null, new AdminTokens()).sha256());
    }

    @Test
    public void aShortOrBlankedValueIsRefusedAndNothingIsKept() {
        Path data = folder.getRoot().toPath();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> BootstrapToken.load(data, "short", new AdminTokens()));
        assertTrue(e.getMessage(), e.getMessage().contains("GATEHOUSE_ADMIN_TOKEN is 5 characters long"));
        assertThrows(IllegalStateException.class, () -> BootstrapToken.load(data,
                "has a space in it 0123456789012345678901", new AdminTokens()));
        assertTrue(Files.notExists(data.resolve("gatehouse").resolve(BootstrapToken.HASH_FILE)));
    }

    @Test
    public void bearerParsing() {
        assertEquals("abc", AdminTokens.bearer(java.util.List.of("Bearer abc")));
        assertEquals("abc", AdminTokens.bearer(java.util.List.of("bEaReR   abc ")));
        assertNull(AdminTokens.bearer(java.util.List.of()));
        assertNull(AdminTokens.bearer(java.util.List.of("Bearer")));
        assertNull(AdminTokens.bearer(java.util.List.of("Bearer a b")));
        assertNull(AdminTokens.bearer(java.util.List.of("Bearer abc", "Bearer abc")));
    }
}
