package io.gatehouse.core.internal.config;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.gatehouse.api.config.ConfigException;
import io.gatehouse.api.config.ConfigFormat;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.Violation;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.Test;

/**
 * What the codec refuses rather than misreads: bytes that are not UTF-8 text, YAML constructs the JSON data
 * model has no place for, values that would not survive being written back, shapes a caller did not ask
 * for; and the words its errors are written in.
 */
public class StrictInputTest {
    private static final ConfigFormat JSON = ConfigFormat.JSON;
    private static final ConfigFormat YAML = ConfigFormat.YAML;

    private final ConfigCodec codec = new ConfigCodec(new Json());

    private ConfigException refused(byte[] document, ConfigFormat format) {
        try {
            List<ConfigObject> objects = codec.parse(document, format);
            fail("expected a refusal, read " + objects + " from " + new String(document, StandardCharsets.UTF_8));
            return null;
        } catch (ConfigException e) {
            assertEquals(400, e.status());
            assertEquals(ConfigException.INVALID, e.code());
            return e;
        }
    }

    private ConfigException refused(String document, ConfigFormat format) {
        return refused(utf8(document), format);
    }

    private static void assertViolation(ConfigException e, String path, String fragment) {
        for (Violation v : e.violations()) {
            if (v.path().equals(path) && v.message().contains(fragment)) {
                return;
            }
        }
        fail("no violation at " + path + " containing '" + fragment + "' in " + e.violations());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code text} with {@code marker} replaced by raw bytes. */
    private static byte[] splice(String text, String marker, int... raw) {
        int at = text.indexOf(marker);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(utf8(text.substring(0, at)));
        for (int b : raw) {
            out.write(b);
        }
        out.writeBytes(utf8(text.substring(at + marker.length())));
        return out.toByteArray();
    }

    // ------------------------------------------------------------------ UTF-8

    @Test
    public void overlongUtf8IsRefusedWithTheByteOffsetNotReadAsASlash() {
        String json = "{\"kind\":\"Pipeline\",\"name\":\"p\",\"spec\":{\"a\":\"X\"}}";
        ConfigException e = refused(splice(json, "X", 0xC0, 0xAF), JSON);
        assertViolation(e, "$", "the document is not UTF-8 text: byte 0xC0 at offset 43 (line 1, column 44)");
        String yaml = "kind: Pipeline\nname: p\nspec:\n  a: X\n";
        assertViolation(refused(splice(yaml, "X", 0xC0, 0xAF), YAML), "$", "byte 0xC0 at offset 34 (line 4, column 6)");
    }

    @Test
    public void encodedSurrogatesAndStrayBytesAreRefused() {
        String yaml = "kind: Pipeline\nname: p\nspec:\n  a: X\n";
        // CESU-8 style lone high surrogate U+D800
        assertViolation(refused(splice(yaml, "X", 0xED, 0xA0, 0x80), YAML), "$", "byte 0xED at offset 34 (line 4, column 6)");
        assertViolation(refused(splice(yaml, "X", 0xFF), YAML), "$", "byte 0xFF at offset 34");
        // truncated: a lead byte at the very end
        assertViolation(refused(splice(yaml + "X", "X\n", 0xE2, 0x82), YAML), "$", "is not valid UTF-8");
        // code point above U+10FFFF
        assertViolation(refused(splice(yaml, "X", 0xF4, 0x90, 0x80, 0x80), YAML), "$", "byte 0xF4 at offset 34");
    }

    @Test
    public void yamlEncodingErrorsAreLocatedWhereTheyAre() {
        // the parser used to report "line 1, column 1" for an invalid byte anywhere in a YAML stream
        String yaml = "kind: Pipeline\nname: p\nspec:\n  plugins: []\n  other: X\n";
        ConfigException e = refused(splice(yaml, "X", 0xFE), YAML);
        assertViolation(e, "$", "(line 5, column 10)");
    }

    @Test
    public void utf16IsRefusedWithOrWithoutAByteOrderMark() {
        String json = "{\"kind\":\"Pipeline\",\"name\":\"p\",\"spec\":{}}";
        String yaml = "kind: Pipeline\nname: p\nspec: {}\n";
        for (String text : List.of(json, yaml)) {
            ConfigFormat format = text.equals(json) ? JSON : YAML;
            assertViolation(refused(text.getBytes(StandardCharsets.UTF_16), format), "$", "UTF-16 byte order mark");
            assertViolation(refused(text.getBytes(StandardCharsets.UTF_16LE), format), "$",
                    "control character U+0000 at byte offset 1 (line 1, column 2) is not allowed; is it UTF-16?");
            assertViolation(refused(text.getBytes(StandardCharsets.UTF_16BE), format), "$",
                    "control character U+0000 at byte offset 0 (line 1, column 1)");
        }
    }

    @Test
    public void controlCharactersAreRefusedButTabsAndUtf8BomAreFine() throws Exception {
        assertViolation(refused("kind: Pipeline\nname: p\u0007\nspec: {}\n", YAML), "$",
                "control character U+0007 at byte offset 22 (line 2, column 8)");
        assertViolation(refused("{\"kind\":\"Pipe\u0085line\"}", JSON), "$", "control character U+0085");
        List<ConfigObject> read = codec.parse(utf8("\ufeffkind: Pipeline\nname: p\nspec: {a: \"\u00e9\u20ac\ud83d\ude00\"}\r\n"),
                YAML);
        assertEquals("\u00e9\u20ac\ud83d\ude00", read.get(0).spec().get("a").textValue());
        assertEquals(1, codec.parse(utf8("\ufeff{\t\"kind\":\"Pipeline\",\"name\":\"p\",\"spec\":{}}"), JSON).size());
    }

    // ------------------------------------------------------------------ YAML constructs

    @Test
    public void aliasesAndAnchorsAreRefusedWithTheirPathAndLineInsteadOfBeingReadAsStrings() {
        // Jackson read "X-Alias: *b" as the string "b"
        String yaml = """
                kind: Pipeline
                name: p
                spec:
                  plugins:
                    - name: m
                      kind: mock
                      spec:
                        headers:
                          X-Base: &b hello
                          X-Alias: *b
                """;
        ConfigException e = refused(yaml, YAML);
        assertViolation(e, "$.spec.plugins[0].spec.headers.X-Base", "line 9, column 19: anchors (&b) are not accepted");
        assertViolation(e, "$.spec.plugins[0].spec.headers.X-Alias", "line 10, column 20: aliases (*b) are not accepted");
        assertEquals(2, e.violations().size());
        ConfigException merge = refused("kind: Pipeline\nname: p\nspec:\n  base: &x {a: 1}\n  copy:\n    <<: *x\n", YAML);
        assertViolation(merge, "$.spec.copy['<<']", "aliases (*x) are not accepted");
    }

    @Test
    public void billionLaughsIsRefusedWithoutExpandingAnything() {
        StringBuilder lol = new StringBuilder("kind: Pipeline\nname: p\nspec:\n  a: &a [\"lol\",\"lol\",\"lol\"]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            char p = (char) (c - 1);
            lol.append("  ").append(c).append(": &").append(c).append(" [*").append(p).append(",*").append(p)
                    .append(",*").append(p).append(",*").append(p).append("]\n");
        }
        ConfigException e = refused(lol.toString(), YAML);
        assertViolation(e, "$.spec.a", "anchors (&a) are not accepted");
        assertViolation(e, "$.spec.b[0]", "aliases (*a) are not accepted");
        assertTrue(e.violations().size() <= YamlScreen.MAX_FINDINGS + 1);
    }

    @Test
    public void tagsOtherThanStrMapAndSeqAreRefused() throws Exception {
        assertViolation(refused("kind: Pipeline\nname: p\nspec: !!python/object:os.system\n  a: 1\n", YAML), "$.spec",
                "line 3, column 7: the tag !!python/object:os.system is not accepted");
        assertViolation(refused("kind: Pipeline\nname: p\nspec: {a: !!int abc}\n", YAML), "$.spec.a",
                "the tag !!int is not accepted");
        assertViolation(refused("kind: Pipeline\nname: !local p\nspec: {}\n", YAML), "$.name", "the tag !local");
        assertViolation(refused("kind: Pipeline\nname: p\nspec: {a: ! 5}\n", YAML), "$.spec.a", "the tag !");
        assertViolation(refused("kind: Pipeline\nname: p\nspec: {a: !!map [1]}\n", YAML), "$.spec.a", "!!map");
        assertViolation(refused("kind: Pipeline\nname: p\nspec: {a: !!binary aGk=}\n", YAML), "$.spec.a", "!!binary");
        ConfigObject o = codec.parse(utf8("kind: Pipeline\nname: !!str p\nspec: !!map {a: !!str 5, b: !!seq [1]}\n"),
                YAML).get(0);
        assertEquals("{\"a\":\"5\",\"b\":[1]}", o.spec().toString());
    }

    @Test
    public void complexKeysAreRefusedInPlainWords() {
        ConfigException e = refused("kind: Pipeline\nname: p\nspec:\n  ? [a, b]\n  : 1\n", YAML);
        assertViolation(e, "$.spec", "line 4, column 5: a mapping key must be a plain value");
    }

    @Test
    public void aListDocumentFollowedByMoreDocumentsIsRefusedNotHalfRead() {
        // the documents after a first list were silently dropped
        String yaml = "- {kind: Pipeline, name: a, spec: {}}\n---\nkind: Pipeline\nname: b\nspec: {}\n";
        assertViolation(refused(yaml, YAML), "$[0]", "a list of objects must be the only document");
        String single = "---\n- {kind: Pipeline, name: a, spec: {}}\n- {kind: Pipeline, name: b, spec: {}}\n---\n";
        try {
            assertEquals(2, codec.parse(utf8(single), YAML).size());
        } catch (ConfigException e) {
            fail(e.getMessage());
        }
    }

    @Test
    public void findingsInAStreamCarryTheObjectsPosition() {
        String yaml = "kind: Pipeline\nname: a\nspec: {}\n---\n---\nkind: Pipeline\nname: b\nspec: {x: *y}\n";
        assertViolation(refused(yaml, YAML), "$[1].spec.x", "line 8, column 11: aliases (*y)");
    }

    // ------------------------------------------------------------------ values

    @Test
    public void numbersBeyondADoubleAreRefusedBecauseTheyCouldNotBeReadBack() {
        assertViolation(refused("{\"kind\":\"Pipeline\",\"name\":\"p\",\"spec\":{\"a\":1e999999999}}", JSON), "$.spec.a",
                "is too large a number");
        assertViolation(refused("kind: Pipeline\nname: p\nspec: {a: [1, -1e400]}\n", YAML), "$.spec.a[1]",
                "is too large a number");
    }

    @Test
    public void nestingIsBounded() throws Exception {
        String deep = "[".repeat(ConfigCodec.MAX_DEPTH) + "]".repeat(ConfigCodec.MAX_DEPTH);
        String fits = "{\"kind\":\"Pipeline\",\"name\":\"p\",\"spec\":{\"a\":" + "[".repeat(ConfigCodec.MAX_DEPTH - 3)
                + "]".repeat(ConfigCodec.MAX_DEPTH - 3) + "}}";
        assertEquals(1, codec.parse(utf8(fits), JSON).size());
        ConfigException e = refused("{\"kind\":\"Pipeline\",\"name\":\"p\",\"spec\":{\"a\":" + deep + "}}", JSON);
        assertEquals(1, e.violations().size());
        assertTrue(e.violations().get(0).toString(), e.violations().get(0).path().startsWith("$.spec.a[0][0]"));
        assertTrue(e.getMessage(), e.getMessage().contains("is nested deeper than 64 levels"));
        assertViolation(refused("[".repeat(5000), JSON), "$", "nested deeper than 64 levels");
        ConfigException yaml = refused("kind: Pipeline\nname: p\nspec: {a: " + deep + "}\n", YAML);
        assertTrue(yaml.getMessage(), yaml.getMessage().contains("is nested deeper than 64 levels"));
        ConfigException unterminated = refused("[".repeat(5000), YAML);
        assertTrue(unterminated.getMessage(), unterminated.getMessage().contains("line 1, column 66: is nested deeper than"
                + " 64 levels"));
    }

    // ------------------------------------------------------------------ one object

    @Test
    public void parseObjectTakesExactlyOneObject() throws Exception {
        String one = "{\"kind\":\"Pipeline\",\"name\":\"p\",\"spec\":{}}";
        assertEquals("Pipeline/p", codec.parseObject(utf8(one), JSON).key());
        assertEquals("Pipeline/p", codec.parseObject(utf8("---\nkind: Pipeline\nname: p\nspec: {}\n---\n"), YAML).key());
        String[][] notOne = {
            {"[" + one + "]", "JSON", "must be one object, not an array"},
            {"- {kind: Pipeline, name: p, spec: {}}\n", "YAML", "must be one object, not a list"},
            {"kind: Pipeline\nname: p\nspec: {}\n---\nkind: Pipeline\nname: q\nspec: {}\n", "YAML",
                "must be one object, not a stream of 2 documents"},
        };
        for (String[] c : notOne) {
            try {
                codec.parseObject(utf8(c[0]), ConfigFormat.valueOf(c[1]));
                fail("accepted " + c[0]);
            } catch (ConfigException e) {
                assertViolation(e, "$", c[2]);
            }
        }
    }

    // ------------------------------------------------------------------ messages

    @Test
    public void syntaxErrorsAreInTheGatewaysWordsWithLineAndColumn() {
        String[][] cases = {
            {"JSON", "{\"kind\": \"Pipeline\",\n \"spec\": {\"a\": [1, 2}\n}", "line 2"},
            {"JSON", "{\"kind\": \"Pipeline\",\n \"name\": ", "line 2"},
            {"JSON", "{\"kind\": \"Pipeline\"} {\"kind\": \"Pipeline\"}", "more than one value"},
            {"JSON", "{\"kind\": NaN}", "line 1"},
            {"JSON", "{\"kind\": \"a\", \"kind\": \"b\"}", "Duplicate field 'kind'"},
            {"JSON", "{\"a\": " + "9".repeat(1200) + "}", "a number is longer than 1000 characters"},
            {"JSON", "{\"a\": \"unterminated", "line 1"},
            {"JSON", "{'a': 1}", "line 1"},
            {"JSON", "{\"a\": 01}", "line 1"},
            {"YAML", "kind: a\n  name: b\n x: 1", "line 2, column 7"},
            {"YAML", "kind: a\nkind: b\n", "Duplicate field 'kind'"},
            {"YAML", "kind: [a, b\n", "line 2"},
            {"YAML", "kind: \"abc\n", "line 2"},
            {"YAML", "kind: a\n\tname: b\n", "line 2"},
            {"YAML", "? [a, b]\n: 1\n", "line 1"},
            {"YAML", "kind: Pipeline\nname: p\nspec: {a: .inf}\n", "line 3"},
            {"YAML", "a: b: c\n", "line 1"},
            {"YAML", "%YAML 1.1\n%YAML 1.1\n---\na: 1\n", "line"},
            {"YAML", "kind: !<tag:yaml.org,2002:python/none> x\n", "line 1"},
        };
        for (String[] c : cases) {
            ConfigException e = refused(c[1], ConfigFormat.valueOf(c[0]));
            String all = e.getMessage() + " " + e.violations();
            assertTrue(c[1] + " -> " + all, all.contains(c[2]));
            for (String internal : List.of("`", "Source:", "REDACTED", "com.fasterxml", "org.yaml", "java.", "Exception",
                    "JsonToken", "START_", "END_", "reference chain", "Feature", "StreamReadConstraints")) {
                assertFalse(c[1] + " -> " + all + " mentions " + internal, all.contains(internal));
            }
        }
    }
}
