package io.gatehouse.core.internal.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Whether two specs are the same data: the same fields with the same values in the same order. Formatting,
 * comments, quoting and JSON versus YAML are gone once a document is parsed, so they never count; numbers
 * compare by value within integers and within decimals (a YAML {@code 10080} read as an int and the stored
 * JSON read back as a long are equal). Field order counts because it can carry meaning (a mock's response
 * headers are sent in order): a reordered spec is a change, never a change silently dropped.
 */
final class SpecEquality {
    private SpecEquality() {
    }

    static boolean same(JsonNode a, JsonNode b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (a.isNumber() && b.isNumber()) {
            if (a.isIntegralNumber() != b.isIntegralNumber()) {
                return false;
            }
            return a.isIntegralNumber() ? a.bigIntegerValue().equals(b.bigIntegerValue())
                    : a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.getNodeType() != b.getNodeType()) {
            return false;
        }
        if (a.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            Iterator<Map.Entry<String, JsonNode>> x = a.fields();
            Iterator<Map.Entry<String, JsonNode>> y = b.fields();
            while (x.hasNext()) {
                Map.Entry<String, JsonNode> ex = x.next();
                Map.Entry<String, JsonNode> ey = y.next();
                if (!ex.getKey().equals(ey.getKey()) || !same(ex.getValue(), ey.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!same(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }
}
