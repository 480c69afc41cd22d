package io.gatehouse.api.plugin;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * HTTP header fields of a request or response. Names are case-insensitive; the order of fields with the
 * same name is kept. A view over the gateway's own representation: reading does not copy, and changes
 * are what goes on the wire. Only valid while the exchange is in progress, on the exchange's thread.
 */
@ProviderType
public interface Headers extends Iterable<Map.Entry<String, String>> {

    /** The first value of the field, or null. */
    String get(String name);

    /** Every value of the field, in order; empty if absent. */
    List<String> getAll(String name);

    boolean contains(String name);

    /** True if a value of the field equals {@code value} (ASCII case-insensitively when {@code ignoreCase}). */
    boolean contains(String name, String value, boolean ignoreCase);

    /** Replaces every value of the field with one value. */
    Headers set(String name, String value);

    /** Adds a value after the existing ones. */
    Headers add(String name, String value);

    /** Removes every value of the field. */
    Headers remove(String name);

    /** Field names present, in the case first seen. */
    Set<String> names();

    /** Number of field lines (a name with two values counts twice). */
    int size();
}
