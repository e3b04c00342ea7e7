package dev.lfsfarm.common.lifecycle;

import dev.lfsfarm.common.schedule.TaskState;
import dev.lfsfarm.proto.v1.PackageState;
import java.util.Arrays;

/** The wire {@link PackageState} of each scheduler {@link TaskState} (same names, one table). */
public final class PackageStates {
    private static final PackageState[] BY_TASK_STATE = Arrays.stream(TaskState.values())
            .map(s -> PackageState.valueOf("PACKAGE_STATE_" + s.name()))
            .toArray(PackageState[]::new);

    private PackageStates() {}

    public static PackageState of(TaskState s) {
        return BY_TASK_STATE[s.ordinal()];
    }
}
