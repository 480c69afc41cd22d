package io.gatehouse.shell.internal;

import io.gatehouse.api.stats.TrafficSnapshot;
import io.gatehouse.api.stats.TrafficStats;
import io.gatehouse.api.stats.TrafficSummary;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/**
 * {@code gatehouse:pipeline-stats}: what each pipeline served on this node since it started (requests, status
 * classes) and its latency over the last minute (the statistics of {@code GET /api/v1/stats}).
 */
@Command(scope = "gatehouse", name = "pipeline-stats",
        description = "Requests, status classes and recent latency of each pipeline on this node")
@Service
public class PipelineStatsCommand implements Action {
    @Argument(index = 0, name = "pipeline", description = "Only this pipeline")
    @Completion(PipelineNameCompleter.class)
    String pipeline;

    @Reference(optional = true)
    TrafficStats stats;

    @Override
    public Object execute() {
        if (stats == null) {
            throw new IllegalStateException("the traffic statistics are not running (the core is stopped)");
        }
        TrafficSnapshot s = stats.snapshot();
        Map<String, TrafficSummary> byName = new TreeMap<>(stats.sumByName(List.of(s.pipelines())));
        ShellTable table = new ShellTable();
        table.column("Pipeline");
        table.column("Requests").alignRight();
        table.column("2xx").alignRight();
        table.column("3xx").alignRight();
        table.column("4xx").alignRight();
        table.column("5xx").alignRight();
        table.column("p50 ms (1 min)").alignRight();
        table.column("p99 ms (1 min)").alignRight();
        for (Map.Entry<String, TrafficSummary> e : byName.entrySet()) {
            if (pipeline != null && !pipeline.equals(e.getKey())) {
                continue;
            }
            TrafficSummary t = e.getValue();
            table.addRow().addContent(e.getKey(), t.requests(), t.status2xx(), t.status3xx(), t.status4xx(),
                    t.status5xx(), ms(t.recent().count(), t.recent().p50()), ms(t.recent().count(), t.recent().p99()));
        }
        table.print(System.out);
        System.out.println("since " + s.since() + " (this node's start)");
        return null;
    }

    private static String ms(long count, double value) {
        return count == 0 ? "-" : String.format(Locale.ROOT, "%.2f", value);
    }
}
