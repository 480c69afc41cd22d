package io.gatehouse.dataplane.internal.http;

import java.nio.charset.StandardCharsets;

/** The gateway's small JSON error body: {@code {"status":N,"error":"code","message":"text"}}. */
final class ErrorBody {
    private ErrorBody() {
    }

    static byte[] json(int status, String code, String message) {
        StringBuilder sb = new StringBuilder(64 + (message == null ? 0 : message.length()));
        sb.append("{\"status\":").append(status).append(",\"error\":");
        quote(sb, code == null ? "error" : code);
        sb.append(",\"message\":");
        quote(sb, message == null ? "" : message);
        sb.append('}');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
