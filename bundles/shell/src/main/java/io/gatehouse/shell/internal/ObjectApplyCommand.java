package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ConfigFormat;
import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteRequest;
import io.gatehouse.api.config.WriteResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.apache.karaf.shell.support.table.ShellTable;

/**
 * {@code gatehouse:object-apply}: creates or replaces the objects of a YAML or JSON file through the same
 * write path as the admin API (validated as a whole, committed by the group, applied): all or nothing.
 */
@Command(scope = "gatehouse", name = "object-apply",
        description = "Creates or replaces the objects of a YAML or JSON file, all or nothing")
@Service
public class ObjectApplyCommand implements Action {
    /** At most this much of a file is read. */
    static final long MAX_FILE = 4L * 1024 * 1024;

    @Argument(index = 0, name = "file", required = true,
            description = "A YAML stream of objects or a JSON object or array (.json is read as JSON)")
    @Completion(FileCompleter.class)
    String file;

    @Option(name = "-t", aliases = "--timeout", description = "How long to wait for the commit, in seconds (1..60)")
    int timeoutSeconds = 10;

    @Reference
    ConfigService config;

    @Override
    public Object execute() throws Exception {
        if (timeoutSeconds < 1 || timeoutSeconds > 60) {
            throw new IllegalArgumentException("--timeout must be 1..60 seconds: " + timeoutSeconds);
        }
        List<ConfigObject> objects = config.parse(read(file), format(file)).stream()
                .filter(o -> o != null).toList();
        if (objects.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no object");
        }
        if (objects.stream().anyMatch(o -> o.kind().equals(ObjectListCommand.TOKEN_KIND))) {
            throw new IllegalArgumentException("ApiToken objects are made with POST /api/v1/tokens, not applied");
        }
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        List<WriteResult> results = Outcomes.await(config.submit(new WriteRequest(null, null, WriteMode.APPLY,
                objects, timeout)), timeout);
        ShellTable table = new ShellTable();
        table.column("Kind");
        table.column("Name");
        table.column("Revision").alignRight();
        table.column("Change");
        for (WriteResult r : results) {
            table.addRow().addContent(r.object().kind(), r.object().name(), r.object().revision(),
                    r.change().name().toLowerCase(Locale.ROOT));
        }
        table.print(System.out);
        return null;
    }

    static byte[] read(String file) throws java.io.IOException {
        Path path = Path.of(file);
        try {
            if (Files.size(path) > MAX_FILE) {
                throw new IllegalArgumentException(file + " is larger than " + MAX_FILE + " bytes");
            }
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such file: " + path.toAbsolutePath());
        }
    }

    static ConfigFormat format(String file) {
        return file.toLowerCase(Locale.ROOT).endsWith(".json") ? ConfigFormat.JSON : ConfigFormat.YAML;
    }
}
