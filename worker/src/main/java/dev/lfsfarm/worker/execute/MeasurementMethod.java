package dev.lfsfarm.worker.execute;

/**
 * How a phase's CPU time and peak memory were measured, reported with every result so that a
 * figure can be judged (sampled peaks can miss short spikes; the shell's times miss processes that
 * escaped the tree).
 */
public enum MeasurementMethod {
    /** cgroup v2: CPU from {@code cpu.stat}, peak from {@code memory.peak}. Exact. */
    CGROUP,
    /**
     * cgroup v2 without the memory controller: CPU from {@code cpu.stat} (exact), peak RSS sampled
     * from /proc over the cgroup's members.
     */
    CGROUP_CPU_SAMPLED_RSS,
    /**
     * No usable cgroup: CPU from the wrapper shell's {@code times} (user and system time of every
     * waited-for descendant), peak RSS sampled from /proc over the process tree (session and parent
     * links).
     */
    PROC_SAMPLING
}
