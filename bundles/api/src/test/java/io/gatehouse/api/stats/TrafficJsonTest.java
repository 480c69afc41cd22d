package io.gatehouse.api.stats;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** A node's snapshot crosses nodes as JSON: what one writes the other reads, the plugin kinds included. */
public class TrafficJsonTest {

    @Test
    public void aSnapshotWithItsKindsReadsBackTheSame() throws Exception {
        TrafficCounters web = new TrafficCounters(3, 0, 2, 0, 0, 1, new byte[] {1, 2}, new byte[] {3});
        TrafficSnapshot s = new TrafficSnapshot(Instant.ofEpochMilli(1000), Instant.ofEpochMilli(2000),
                Map.of("web", web), Map.of(), List.of("mock 1.0.0", "proxy 2.1.0"));
        // as it crosses the network: written out as text, read back
        TrafficSnapshot back = TrafficJson.snapshot(new ObjectMapper().readTree(TrafficJson.snapshot(s).toString()));
        assertEquals(List.of("mock 1.0.0", "proxy 2.1.0"), back.kinds());
        assertEquals(3, back.servers().get("web").requests());
        assertEquals(Instant.ofEpochMilli(2000), back.at());
    }

    @Test
    public void aSnapshotOfANodeThatDoesNotNameItsKindsHasNone() throws Exception {
        ObjectNode older = JsonNodeFactory.instance.objectNode().put("since", 1).put("at", 2);
        older.putObject("servers");
        older.putObject("pipelines");
        assertEquals(List.of(), TrafficJson.snapshot(older).kinds());
    }
}
