package dev.lfsfarm.cli.plan;

import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.schedule.Policy;
import dev.lfsfarm.common.simulate.SimulationConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The virtual farm that plan and simulate schedule on. */
public final class FarmOptions {
    @Option(
            names = {"-w", "--workers"},
            paramLabel = "K",
            defaultValue = "1",
            description = "Number of workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(
            names = {"-c", "--cores-per-worker"},
            paramLabel = "C",
            defaultValue = "1",
            description =
                    "Cores per worker (default: ${DEFAULT-VALUE}). With 1, a package takes exactly sbu × sbu-seconds.")
    int coresPerWorker;

    @Option(names = "--slots", paramLabel = "S", description = "Packages a worker builds at once (default: its cores).")
    Integer slots;

    @Option(
            names = "--memory-mb",
            paramLabel = "MIB",
            defaultValue = "16384",
            description = "Memory per worker in MiB (default: ${DEFAULT-VALUE}).")
    int memoryMb;

    @Option(
            names = "--sbu-seconds",
            paramLabel = "S",
            defaultValue = "1",
            description = "Seconds one SBU takes on one core (default: ${DEFAULT-VALUE}).")
    double sbuSeconds;

    @Option(
            names = "--parallel-fraction",
            paramLabel = "P",
            defaultValue = "0.8",
            description = "Share of a build that speeds up with cores, Amdahl's law (default: ${DEFAULT-VALUE}).")
    double parallelFraction;

    @Option(
            names = "--worker-labels",
            paramLabel = "KEY=VALUE",
            split = ",",
            description = "Labels every virtual worker carries, for recipes that ask for labels (e.g. arch=x86_64).")
    Map<String, String> labels = new LinkedHashMap<>();

    public SimulationConfig config(Policy policy) {
        if (!(sbuSeconds > 0) || Double.isInfinite(sbuSeconds)) {
            throw new UsageException("--sbu-seconds must be a positive number, got " + sbuSeconds);
        }
        if (!(parallelFraction >= 0 && parallelFraction <= 1)) {
            throw new UsageException("--parallel-fraction must be between 0 and 1, got " + parallelFraction);
        }
        try {
            DurationModel model = new DurationModel(sbuSeconds, parallelFraction);
            return new SimulationConfig(
                    workers, coresPerWorker, slots == null ? coresPerWorker : slots, memoryMb, policy, model, labels);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    public double sbuSeconds() {
        return sbuSeconds;
    }
}
