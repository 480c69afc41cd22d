package io.gatehouse.api.plugin;

/** Well-known results and flow targets. */
public final class Results {

    /** The result of a plugin that succeeded: the pipeline continues with the next plugin. */
    public static final String SUCCESS = "";

    /** The {@code jumpIf} target that ends the pipeline. */
    public static final String END = "END";

    private Results() {
    }
}
