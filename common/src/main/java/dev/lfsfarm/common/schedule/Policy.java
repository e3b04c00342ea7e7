package dev.lfsfarm.common.schedule;

/** Which ready package goes first. */
public enum Policy {
    /** Longest remaining path to the end of the build first, weighted by estimated duration. */
    CRITICAL_PATH,
    /** Book order, as make or a shell loop would do: the baseline critical-path scheduling is measured against. */
    FIFO
}
