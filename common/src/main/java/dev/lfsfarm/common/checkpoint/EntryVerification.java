package dev.lfsfarm.common.checkpoint;

import dev.lfsfarm.proto.v1.CheckpointEntry;
import java.util.List;

/** What verifying one checkpoint entry found: every problem, none when it matches its digests and manifest. */
public record EntryVerification(CheckpointEntry entry, List<String> problems) {
    public EntryVerification {
        problems = List.copyOf(problems);
    }

    /** Whether the entry's artifact and manifest passed every check. */
    public boolean passed() {
        return problems.isEmpty();
    }
}
