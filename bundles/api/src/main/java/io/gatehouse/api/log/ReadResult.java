package io.gatehouse.api.log;

import java.util.List;
import java.util.Optional;

/**
 * Entries read from the log, in index order, up to (not including) the first corrupt one.
 *
 * @param entries    intact, contiguous entries
 * @param corruption the corrupt entry that stopped the read, if any
 */
public record ReadResult(List<LogEntry> entries, Optional<LogCorruption> corruption) {
    public ReadResult {
        entries = List.copyOf(entries);
    }
}
