package dev.lfsfarm.worker.execute;

import dev.lfsfarm.proto.v1.ResourceUsage;

/**
 * Resources used by a phase or a sequence of phases, over the whole process tree.
 *
 * @param wallSeconds elapsed wall-clock time, seconds
 * @param userCpuSeconds CPU time in user mode summed over all processes, seconds
 * @param systemCpuSeconds CPU time in kernel mode summed over all processes, seconds
 * @param peakRssBytes peak resident memory of the tree, bytes (0 if unknown)
 */
public record ResourceUse(double wallSeconds, double userCpuSeconds, double systemCpuSeconds, long peakRssBytes) {

    public static final ResourceUse ZERO = new ResourceUse(0, 0, 0, 0);

    /** The use of two consecutive steps: times add up, the peak is the larger one. */
    public ResourceUse plus(ResourceUse other) {
        return new ResourceUse(
                wallSeconds + other.wallSeconds,
                userCpuSeconds + other.userCpuSeconds,
                systemCpuSeconds + other.systemCpuSeconds,
                Math.max(peakRssBytes, other.peakRssBytes));
    }

    /** As the wire message {@code farm.v1.ResourceUsage}. */
    public ResourceUsage toProto() {
        return ResourceUsage.newBuilder()
                .setWallSeconds(wallSeconds)
                .setUserCpuSeconds(userCpuSeconds)
                .setSystemCpuSeconds(systemCpuSeconds)
                .setPeakRssBytes(Math.max(0, peakRssBytes))
                .build();
    }
}
