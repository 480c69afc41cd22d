package io.gatehouse.core.internal.config;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * The core's two Jackson mappers, configured once: strict about duplicate keys, unknown fields, trailing
 * tokens, nulls for primitives, floats for integers and strings for numbers or booleans, so that a spec
 * means exactly what it says. YAML is read as a stream of events, never composed into objects: the loader
 * options bound what the parser itself keeps (aliases and tags are refused earlier, by {@link YamlScreen}).
 */
public final class Json {
    private final ObjectMapper json;
    private final ObjectMapper yaml;
    private final LoaderOptions yamlOptions;

    public Json() {
        this.yamlOptions = new LoaderOptions();
        // the document is already in memory, bounded by its caller (the admin API's maxRequestSize)
        yamlOptions.setCodePointLimit(Integer.MAX_VALUE);
        yamlOptions.setMaxAliasesForCollections(0);
        yamlOptions.setAllowRecursiveKeys(false);
        yamlOptions.setAllowDuplicateKeys(false);
        this.json = strict(JsonMapper.builder(JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build()).build());
        this.yaml = strict(YAMLMapper.builder(YAMLFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .loaderOptions(yamlOptions)
                .build()).build());
    }

    private static ObjectMapper strict(ObjectMapper mapper) {
        mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        return mapper;
    }

    /** The JSON mapper, also used to bind trees to spec types. */
    public ObjectMapper json() {
        return json;
    }

    /** The YAML mapper (multi-document streams). */
    public ObjectMapper yaml() {
        return yaml;
    }

    /** The SnakeYAML options the YAML mapper's parser uses. */
    LoaderOptions yamlOptions() {
        return yamlOptions;
    }
}
