package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ConfigFormat;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.Test;

public class MediaTypesTest {

    @Test
    public void declaredFormats() {
        assertEquals(Optional.of(ConfigFormat.JSON), MediaTypes.declaredFormat("application/json; charset=UTF-8"));
        assertEquals(Optional.of(ConfigFormat.JSON), MediaTypes.declaredFormat("application/merge-patch+json"));
        assertEquals(Optional.of(ConfigFormat.YAML), MediaTypes.declaredFormat("application/yaml"));
        assertEquals(Optional.of(ConfigFormat.YAML), MediaTypes.declaredFormat("Application/X-YAML"));
        assertEquals(Optional.of(ConfigFormat.YAML), MediaTypes.declaredFormat("text/yaml;charset=\"utf-8\""));
        assertEquals(Optional.empty(), MediaTypes.declaredFormat(null));
        assertEquals(Optional.empty(), MediaTypes.declaredFormat("text/plain"));
        assertEquals(Optional.empty(), MediaTypes.declaredFormat("application/octet-stream"));
    }

    @Test
    public void unsupportedTypesAndCharsetsAre415() {
        String[] types = {"multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
            "application/xml", "application/json; charset=utf-16"};
        for (String type : types) {
            ApiException e = assertThrows(ApiException.class, () -> MediaTypes.declaredFormat(type));
            assertEquals(type, 415, e.status());
        }
    }

    @Test
    public void sniffsTheFirstNonBlankCharacter() {
        assertEquals(ConfigFormat.JSON, MediaTypes.sniff(bytes("  \n\t{\"kind\":1}")));
        assertEquals(ConfigFormat.JSON, MediaTypes.sniff(bytes("\ufeff[]")));
        assertEquals(ConfigFormat.YAML, MediaTypes.sniff(bytes("kind: Pipeline")));
        assertEquals(ConfigFormat.YAML, MediaTypes.sniff(bytes("---\nkind: Pipeline")));
        assertEquals(ConfigFormat.YAML, MediaTypes.sniff(bytes("")));
    }

    @Test
    public void prefersYamlOnlyWhenTheClientDoes() {
        assertTrue(MediaTypes.prefersYaml("application/yaml"));
        assertTrue(MediaTypes.prefersYaml("text/html, text/yaml"));
        assertTrue(MediaTypes.prefersYaml("application/json;q=0.4, application/x-yaml;q=0.8"));
        assertFalse(MediaTypes.prefersYaml("application/json, application/yaml"));
        assertFalse(MediaTypes.prefersYaml("*/*"));
        assertFalse(MediaTypes.prefersYaml(null));
        assertFalse(MediaTypes.prefersYaml("application/yaml;q=0"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
