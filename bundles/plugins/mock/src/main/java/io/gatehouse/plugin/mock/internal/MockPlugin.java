package io.gatehouse.plugin.mock.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.api.plugin.Completion;
import io.gatehouse.api.plugin.Exchange;
import io.gatehouse.api.plugin.HttpRequest;
import io.gatehouse.api.plugin.HttpResponse;
import io.gatehouse.api.plugin.Plugin;
import io.gatehouse.api.plugin.Results;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * A mock instance: answers every exchange itself, never forwards. The fixed body is encoded once; an
 * echo is written per request with the kind's shared (thread-safe) {@link ObjectMapper}.
 */
final class MockPlugin implements Plugin {
    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json";

    private final int status;
    private final List<Map.Entry<String, String>> headers;
    private final byte[] body;
    private final boolean echo;
    private final String defaultContentType;
    private final ObjectMapper mapper;

    MockPlugin(MockSpec spec, ObjectMapper mapper) {
        this.status = spec.status();
        this.headers = List.copyOf(spec.headers().entrySet());
        this.body = spec.body() == null ? null : spec.body().getBytes(StandardCharsets.UTF_8);
        this.echo = spec.echo();
        this.mapper = mapper;
        boolean typed = spec.headers().keySet().stream().anyMatch(n -> n.equalsIgnoreCase("Content-Type"));
        boolean hasBody = echo || (body != null && body.length > 0);
        this.defaultContentType = typed || !hasBody ? null : echo ? JSON : TEXT;
    }

    @Override
    public void handle(Exchange exchange, Completion completion) {
        byte[] content = body;
        if (echo) {
            try {
                content = echo(exchange);
            } catch (JsonProcessingException e) {
                completion.fail(e);
                return;
            }
        }
        HttpResponse response = exchange.respond(status);
        for (Map.Entry<String, String> header : headers) {
            response.headers().add(header.getKey(), header.getValue());
        }
        if (defaultContentType != null) {
            response.headers().set("Content-Type", defaultContentType);
        }
        if (content != null) {
            response.body(content);
        }
        completion.complete(Results.SUCCESS);
    }

    private byte[] echo(Exchange exchange) throws JsonProcessingException {
        HttpRequest request = exchange.request();
        ObjectNode json = mapper.createObjectNode();
        json.put("method", request.method());
        json.put("uri", request.uri());
        json.put("protocol", request.protocol());
        ArrayNode fields = json.putArray("headers");
        for (Map.Entry<String, String> field : request.headers()) {
            fields.addArray().add(field.getKey()).add(field.getValue());
        }
        InetSocketAddress remote = exchange.remoteAddress();
        if (remote == null || remote.getAddress() == null) {
            json.putNull("remoteAddress");
        } else {
            String ip = remote.getAddress().getHostAddress();
            json.put("remoteAddress", (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + remote.getPort());
        }
        return mapper.writeValueAsBytes(json);
    }
}
