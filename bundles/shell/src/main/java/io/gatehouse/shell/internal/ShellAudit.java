package io.gatehouse.shell.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lines of the audit log (logger {@code gatehouse.audit}, {@code data/log/audit.log}) for the console commands
 * that manage tokens, in the admin API's shape: {@code client} is {@code console}, {@code method} is
 * {@code SHELL}, {@code target} the command. Never the token itself.
 */
final class ShellAudit {
    private static final Logger AUDIT = LoggerFactory.getLogger("gatehouse.audit");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ShellAudit() {
    }

    /** A token made or revoked: its name, role (when known) and the revision written. */
    static void token(String command, int status, String name, String role, long revision, String change) {
        ObjectNode line = JSON.createObjectNode();
        line.put("time", Instant.now().toString());
        line.putNull("token");
        line.put("client", "console");
        line.put("method", "SHELL");
        line.put("target", command + " " + name);
        line.put("status", status);
        ObjectNode object = line.putArray("objects").addObject();
        object.put("kind", io.gatehouse.api.config.ApiTokens.KIND);
        object.put("name", name);
        if (role != null) {
            object.put("role", role);
        }
        object.put("revision", revision);
        object.put("change", change);
        try {
            AUDIT.info(JSON.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            LoggerFactory.getLogger(ShellAudit.class).warn("An audit line could not be written", e);
        }
    }
}
