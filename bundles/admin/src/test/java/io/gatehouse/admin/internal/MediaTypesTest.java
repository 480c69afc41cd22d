package io.gatehouse.admin.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.gatehouse.api.config.ConfigFormat;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Random;
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

    /** Odd Content-Type values: each is read as a format (JSON, YAML, "" = sniffed) or refused with 415. */
    @Test
    public void oddContentTypesAreReadOrRefusedWith415NeverCrash() {
        String[][] table = {
            {";;;", "415"}, {";", "415"}, {"/", "415"}, {"application", "415"}, {"application/", "415"},
            {"/json", "415"}, {"application/json;", "JSON"}, {"application/json;;charset=utf-8", "JSON"},
            {"application/json ; charset=utf-8 ;", "JSON"}, {"application/json; charset", "415"},
            {"application/json; charset=", "415"}, {"application/json; charset=\"utf-8", "415"},
            {"application/json; charset=\"utf-8\"", "JSON"}, {"application/json; charset=\"utf\\-8\"", "JSON"},
            {"application/json, application/yaml", "415"}, {"application/json x", "415"},
            {"application/json\u0000", "415"}, {"\uff41pplication/json", "415"}, {"application/json; charset=latin1", "415"},
            {"APPLICATION/YAML; CHARSET=UTF-8", "YAML"}, {"text/plain; charset=us-ascii", ""}, {"   ", ""},
            {"application/json;charset=utf-8;charset=utf-16", "JSON"}, {"application/json; q=\"\\", "415"},
            {"a".repeat(10_000), "415"}, {"application/" + "b".repeat(10_000), "415"}, {"*/*", "415"},
            {"application/*", "415"}, {"application/vnd.gatehouse+json", "JSON"}, {"=", "415"}, {"\"\"", "415"},
        };
        for (String[] row : table) {
            String outcome;
            try {
                outcome = MediaTypes.declaredFormat(row[0]).map(Enum::name).orElse("");
            } catch (ApiException e) {
                outcome = String.valueOf(e.status());
                assertTrue(e.getMessage(), e.getMessage().length() < 300);
            }
            assertEquals(row[0], row[1], outcome);
        }
    }

    /** Random header values from the characters that matter to the grammar: never anything but a result or 415. */
    @Test
    public void fuzzedHeaderValuesNeverCrash() {
        Random random = new Random(20261202L);
        String alphabet = ";,/=\" \t\\aj+*-q.0yml\u00e9\u0000";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(24);
            for (int j = 0; j < length; j++) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String value = b.toString();
            try {
                MediaTypes.declaredFormat(value);
            } catch (ApiException e) {
                assertEquals(value, 415, e.status());
            }
            MediaTypes.prefersYaml(value);
        }
    }

    @Test
    public void malformedAcceptRangesAreIgnored() {
        assertFalse(MediaTypes.prefersYaml(";;;,,,;q=x"));
        assertFalse(MediaTypes.prefersYaml("application/yaml;q=2"));
        assertFalse(MediaTypes.prefersYaml("application/yaml;q=NaN"));
        assertFalse(MediaTypes.prefersYaml("application/yaml;q=Infinity"));
        assertTrue(MediaTypes.prefersYaml(",,,application/yaml"));
        assertTrue(MediaTypes.prefersYaml("application/yaml;q=0.5, application/json;q=0.4, ;;;"));
        assertTrue(MediaTypes.prefersYaml("text/yaml;q=\"1\""));
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
