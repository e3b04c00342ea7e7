package dev.lfsfarm.common.recipe;

import java.util.Locale;

/** The build phases, in the order they run. Each is a bash script run with {@code set -e}. */
public enum Phase {
    PREPARE,
    CONFIGURE,
    BUILD,
    CHECK,
    INSTALL;

    /** The key used in recipes. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
