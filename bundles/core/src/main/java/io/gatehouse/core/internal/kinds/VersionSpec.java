package io.gatehouse.core.internal.kinds;

import org.osgi.framework.Version;
import org.osgi.framework.VersionRange;

/**
 * Which versions of a plugin kind a pipeline's plugin accepts: an exact version ({@code 1.2.0}) or an OSGi
 * range ({@code [1.0,2.0)}). Versions are the providing bundle's, compared as OSGi versions.
 */
public final class VersionSpec {
    private final String text;
    private final VersionRange range;

    private VersionSpec(String text, VersionRange range) {
        this.text = text;
        this.range = range;
    }

    /**
     * Parses {@code 1.2.0} (exactly that version) or {@code [1.0,2.0)} (a range).
     *
     * @throws IllegalArgumentException with a message fit for a violation
     */
    public static VersionSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("must be a version such as 1.2.0 or a range such as [1.0,2.0)");
        }
        String t = text.trim();
        try {
            if (t.startsWith("[") || t.startsWith("(")) {
                return new VersionSpec(t, new VersionRange(t));
            }
            Version v = Version.parseVersion(t);
            return new VersionSpec(t, new VersionRange(VersionRange.LEFT_CLOSED, v, v, VersionRange.RIGHT_CLOSED));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + t + "' is neither a version (1.2.0) nor a range ([1.0,2.0))");
        }
    }

    /** The bundle version of a kind, parsed; an unparsable one counts as 0.0.0. */
    public static Version version(String bundleVersion) {
        try {
            return Version.parseVersion(bundleVersion);
        } catch (IllegalArgumentException e) {
            return Version.emptyVersion;
        }
    }

    public boolean matches(String bundleVersion) {
        return range.includes(version(bundleVersion));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VersionSpec v && v.range.equals(range);
    }

    @Override
    public int hashCode() {
        return range.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
