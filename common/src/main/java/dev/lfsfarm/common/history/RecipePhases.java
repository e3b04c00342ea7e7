package dev.lfsfarm.common.history;

import dev.lfsfarm.proto.v1.Measurements;
import dev.lfsfarm.proto.v1.PhaseMeasurement;
import java.util.Set;

/**
 * Figures of the recipe's own phases (prepare to install) out of an attempt's measurements, which
 * also list the worker's steps (fetch, stage, pack, upload). Build times in SBU compare these.
 */
public final class RecipePhases {
    /** The phases a recipe defines (docs/architecture.md, Books, recipes and resolution). */
    public static final Set<String> NAMES = Set.of("prepare", "configure", "build", "check", "install");

    private RecipePhases() {}

    /** Wall time of the recipe phases, seconds. */
    public static double wallSeconds(Measurements m) {
        double wall = 0;
        for (PhaseMeasurement p : m.getPhasesList()) {
            if (NAMES.contains(p.getPhase())) {
                wall += p.getUsage().getWallSeconds();
            }
        }
        return wall;
    }

    /** User + system CPU of the recipe phases, seconds. */
    public static double cpuSeconds(Measurements m) {
        double cpu = 0;
        for (PhaseMeasurement p : m.getPhasesList()) {
            if (NAMES.contains(p.getPhase())) {
                cpu += p.getUsage().getUserCpuSeconds() + p.getUsage().getSystemCpuSeconds();
            }
        }
        return cpu;
    }

    /** Highest resident memory of any recipe phase, bytes. */
    public static long peakRssBytes(Measurements m) {
        long peak = 0;
        for (PhaseMeasurement p : m.getPhasesList()) {
            if (NAMES.contains(p.getPhase())) {
                peak = Math.max(peak, p.getUsage().getPeakRssBytes());
            }
        }
        return peak;
    }
}
