package io.gatehouse.shell.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code gatehouse:object-get}: one object as YAML, as {@code object-apply} takes it back. */
@Command(scope = "gatehouse", name = "object-get", description = "Prints one configuration object as YAML")
@Service
public class ObjectGetCommand implements Action {
    static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build());

    @Argument(index = 0, name = "kind", required = true, description = "The object's kind (HTTPServer, Pipeline)")
    @Completion(ObjectKindCompleter.class)
    String kind;

    @Argument(index = 1, name = "name", required = true, description = "The object's name")
    @Completion(ObjectNameCompleter.class)
    String name;

    @Reference
    ConfigService config;

    @Override
    public Object execute() throws Exception {
        ConfigObject o = kind.equals(ObjectListCommand.TOKEN_KIND) ? null : config.get(kind, name).orElse(null);
        if (o == null) {
            throw new IllegalArgumentException("no " + kind + " named '" + name + "'");
        }
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("kind", o.kind());
        node.put("name", o.name());
        node.set("spec", o.spec());
        System.out.print(YAML.writeValueAsString(node) + "# revision " + o.revision() + "\n");
        return null;
    }
}
