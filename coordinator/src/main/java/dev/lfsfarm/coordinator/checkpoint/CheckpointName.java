package dev.lfsfarm.coordinator.checkpoint;

import dev.lfsfarm.common.error.FarmException;
import java.util.regex.Pattern;

/**
 * What a checkpoint may be called: 1 to 100 characters from {@code [A-Za-z0-9._-]}, and not
 * {@code .} or {@code ..}. The name becomes a znode name and a file name, so nothing that could
 * mean a path, and nothing a shell or a URL would need to quote, gets in.
 */
public final class CheckpointName {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private CheckpointName() {}

    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches() && !name.equals(".") && !name.equals("..");
    }

    /** Returns {@code name}, or throws INVALID_ARGUMENT explaining the rule. */
    public static String check(String name) {
        if (!isValid(name)) {
            throw new FarmException(
                    FarmException.Kind.INVALID_ARGUMENT,
                    "bad checkpoint name '" + name + "': use 1 to 100 characters "
                            + "from A-Z a-z 0-9 . _ - (not '.' or '..')");
        }
        return name;
    }
}
