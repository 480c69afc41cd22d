package io.gatehouse.shell.internal;

import io.gatehouse.api.config.ConfigObject;
import io.gatehouse.api.config.ConfigService;
import io.gatehouse.api.config.WriteMode;
import io.gatehouse.api.config.WriteRequest;
import io.gatehouse.api.config.WriteResult;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.FileCompleter;
import org.apache.karaf.shell.support.table.ShellTable;

/**
 * {@code gatehouse:object-validate}: a dry run of {@code object-apply}: the file's objects are validated as an
 * apply would validate them, and the command tells what it would do to each; nothing is written.
 */
@Command(scope = "gatehouse", name = "object-validate",
        description = "Validates a file's objects as object-apply would and tells what it would change; writes nothing")
@Service
public class ObjectValidateCommand implements Action {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Argument(index = 0, name = "file", required = true,
            description = "A YAML stream of objects or a JSON object or array (.json is read as JSON)")
    @Completion(FileCompleter.class)
    String file;

    @Reference
    ConfigService config;

    @Override
    public Object execute() throws Exception {
        List<ConfigObject> objects = config.parse(ObjectApplyCommand.read(file), ObjectApplyCommand.format(file));
        if (objects.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no object");
        }
        List<WriteResult> results = Outcomes.await(config.dryRun(new WriteRequest(null, null, WriteMode.APPLY,
                objects, TIMEOUT)), TIMEOUT);
        ShellTable table = new ShellTable();
        table.column("Kind");
        table.column("Name");
        table.column("Would be");
        for (WriteResult r : results) {
            table.addRow().addContent(r.object().kind(), r.object().name(), r.change().name().toLowerCase(Locale.ROOT));
        }
        table.print(System.out);
        System.out.println("valid: nothing was written (gatehouse:object-apply " + file + " writes it)");
        return null;
    }
}
