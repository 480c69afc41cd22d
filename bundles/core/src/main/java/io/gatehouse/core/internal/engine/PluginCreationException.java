package io.gatehouse.core.internal.engine;

/** A plugin kind refused to create an instance; names the plugin's position in the pipeline. */
public final class PluginCreationException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int index;

    PluginCreationException(int index, String message, Throwable cause) {
        super(message, cause);
        this.index = index;
    }

    /** Index of the plugin in {@code spec.plugins}. */
    public int index() {
        return index;
    }
}
