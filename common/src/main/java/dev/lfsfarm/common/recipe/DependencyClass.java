package dev.lfsfarm.common.recipe;

/**
 * How strongly a package depends on another. Order matters: a weaker class sorts first, and cycle
 * breaking drops the weakest edge of a cycle (optional, then recommended; never required).
 */
public enum DependencyClass {
    /** Only when the profile enables it; orders the build when enabled. */
    OPTIONAL("optional"),
    /** Orders the build unless the profile turns recommended dependencies off. */
    RECOMMENDED("recommended"),
    /** Must be in the build; does not order it (needed when the package runs, not when it builds). */
    RUNTIME("runtime"),
    /** Must be built first. */
    REQUIRED("required");

    private final String key;

    DependencyClass(String key) {
        this.key = key;
    }

    /** The key used in recipes and printed in messages. */
    public String key() {
        return key;
    }

    /** Whether an edge of this class may be dropped to break a cycle. */
    public boolean breakable() {
        return this == OPTIONAL || this == RECOMMENDED;
    }
}
