package io.gatehouse.core.internal.config;

import io.gatehouse.api.config.ConfigException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Turns a document's bytes into text before any parser sees them: strict UTF-8 (overlong forms such as
 * {@code C0 AF}, encoded surrogates such as {@code ED A0 80}, truncated sequences and bytes that never occur
 * in UTF-8 are refused, never replaced), no control characters other than tab, line feed and carriage return
 * (so UTF-16 text, BOM or not, cannot pass as UTF-8 either), and no U+FFFE or U+FFFF. An optional leading
 * byte order mark is dropped. Refusals name the byte offset and the line and column.
 */
final class DocumentText {

    private DocumentText() {
    }

    static String decode(byte[] bytes) throws ConfigException {
        if (bytes.length >= 2 && ((bytes[0] & 0xff) == 0xfe && (bytes[1] & 0xff) == 0xff
                || (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xfe)) {
            throw refused("it starts with a UTF-16 byte order mark: send it encoded as UTF-8");
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int offset = in.position();
            out.flip();
            throw refused(String.format(Locale.ROOT, "byte 0x%02X at offset %d (%s) is not valid UTF-8",
                    bytes[offset] & 0xff, offset, where(out, out.length())));
        }
        out.flip();
        long offset = 0;
        for (int i = 0; i < out.length(); i++) {
            char c = out.charAt(i);
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c >= 0x7f && c <= 0x9f
                    || c == 0xfffe || c == 0xffff) {
                String hint = c == 0 ? "; is it UTF-16? send UTF-8" : "";
                throw refused(String.format(Locale.ROOT, "control character U+%04X at byte offset %d (%s) is not"
                        + " allowed%s", (int) c, offset, where(out, i), hint));
            }
            offset += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        int start = out.length() > 0 && out.charAt(0) == '\ufeff' ? 1 : 0;
        return out.subSequence(start, out.length()).toString();
    }

    /** "line L, column C" of the character at {@code index} (1-based, as parsers report them). */
    private static String where(CharSequence text, int index) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < index; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return "line " + line + ", column " + (index - lineStart + 1);
    }

    private static ConfigException refused(String why) {
        return ConfigException.invalid("$", "the document is not UTF-8 text: " + why);
    }
}
