package dev.lfsfarm.cli.plan;

import dev.lfsfarm.common.graph.DroppedEdge;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.report.ScheduleJson;
import dev.lfsfarm.common.report.Seconds;
import dev.lfsfarm.common.simulate.LostRun;
import dev.lfsfarm.common.simulate.ScheduledRun;
import dev.lfsfarm.common.simulate.SimulationResult;
import dev.lfsfarm.common.simulate.WorkerLoss;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Prints plans and simulations: text for people on stdout, notes on stderr, or one JSON document. */
final class ScheduleOutput {
    private final PrintWriter out;
    private final PrintWriter err;

    ScheduleOutput(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    void json(SimulationResult result, String policy, double sbuSeconds) {
        json(result, policy, sbuSeconds, Map.of());
    }

    /** With {@code estimates} (package id to "learned" or "book") as an extra "estimates" object. */
    void json(SimulationResult result, String policy, double sbuSeconds, Map<String, String> estimates) {
        for (DroppedEdge d : result.droppedEdges()) {
            err.println("farm: " + d);
        }
        err.flush();
        ScheduleJson.write(result, policy, sbuSeconds, estimates, out);
        out.println();
        out.flush();
    }

    void droppedEdges(SimulationResult result) {
        for (DroppedEdge d : result.droppedEdges()) {
            out.println("Note: " + d);
        }
    }

    void summary(String what, String bookName, ResolvedGraph graph, SimulationResult result, String policy) {
        var config = result.config();
        out.printf(
                Locale.ROOT,
                "%s of %s: %s, %s, on %s × %s, policy %s, %s s per SBU%n",
                what,
                bookName,
                plural(graph.size(), "package"),
                plural(graph.edgeCount(), "ordering edge"),
                plural(config.workers(), "worker"),
                plural(config.coresPerWorker(), "core"),
                policy,
                Seconds.of(Math.round(config.model().sbuSeconds() * 1e6)));
        out.printf(Locale.ROOT, "  makespan        %s%n", Seconds.human(result.makespanMicros()));
        out.printf(
                Locale.ROOT,
                "  lower bound     %s (max of critical path, total work / cores)%n",
                Seconds.human(result.lowerBoundMicros()));
        out.printf(
                Locale.ROOT,
                "  critical path   %s, %s%n",
                Seconds.human(result.criticalPathMicros()),
                plural(result.criticalPath().size(), "package"));
        out.printf(Locale.ROOT, "  utilisation     %.0f%% of the farm's cores%n", result.utilisation() * 100);
        out.println("  path            " + String.join(" → ", result.criticalPath()));
        out.flush();
    }

    /**
     * What the lost workers cost: when each was lost, the packages requeued and the work they had
     * done, the makespan against {@code baseline} (the same farm without losses), what was not built.
     */
    void losses(List<WorkerLoss> losses, SimulationResult result, SimulationResult baseline) {
        for (WorkerLoss loss : losses) {
            List<String> cut = result.lostRuns().stream()
                    .filter(r -> r.worker().equals(loss.worker()) && r.lostAtMicros() == loss.atMicros())
                    .map(LostRun::id)
                    .toList();
            out.printf(
                    Locale.ROOT,
                    "  lost worker     %s at %s: %s%n",
                    loss.worker(),
                    Seconds.human(loss.atMicros()),
                    cut.isEmpty() ? "nothing was running on it" : "cut short " + String.join(", ", cut));
        }
        String cost = result.unbuilt().isEmpty()
                ? "makespan " + Seconds.human(result.makespanMicros()) + " against "
                        + Seconds.human(baseline.makespanMicros()) + " without the loss"
                        + (result.makespanMicros() > baseline.makespanMicros()
                                ? " (+" + Seconds.human(result.makespanMicros() - baseline.makespanMicros()) + ")"
                                : "")
                : "the build does not finish: " + plural(result.unbuilt().size(), "package") + " not built";
        out.printf(
                Locale.ROOT,
                "  requeued        %s, %s of building lost; %s%n",
                plural(result.requeues(), "package"),
                Seconds.human(result.lostWorkMicros()),
                cost);
        result.unbuilt().forEach((id, why) -> out.printf(Locale.ROOT, "  not built       %s: %s%n", id, why));
        out.flush();
    }

    private static String plural(int count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }

    /** Says how many estimates a farm learned from history, when the plan asked for them. */
    void estimates(dev.lfsfarm.cli.remote.LearnedEstimates estimates) {
        if (!estimates.from().isEmpty()) {
            out.printf(
                    Locale.ROOT,
                    "  estimates       %d learned from the history of %s, %d from the book%n",
                    estimates.learnedCount(),
                    estimates.from(),
                    estimates.sources().size() - estimates.learnedCount());
            out.flush();
        }
    }

    void buildOrder(SimulationResult result) {
        buildOrder(result, Map.of());
    }

    /** The build order; with {@code estimates}, a column says where each package's duration came from. */
    void buildOrder(SimulationResult result, Map<String, String> estimates) {
        int idWidth = 7;
        for (ScheduledRun run : result.schedule()) {
            idWidth = Math.max(idWidth, run.id().length());
        }
        out.println();
        boolean sources = !estimates.isEmpty();
        out.printf(
                Locale.ROOT,
                "%6s  %-" + idWidth + "s  %10s  %10s  %-10s %5s%s%n",
                "#",
                "package",
                "start",
                "end",
                "worker",
                "cores",
                sources ? "  estimate" : "");
        int n = 0;
        for (ScheduledRun run : result.schedule()) {
            out.printf(
                    Locale.ROOT,
                    "%6d  %-" + idWidth + "s  %10s  %10s  %-10s %5d%s%n",
                    ++n,
                    run.id(),
                    Seconds.of(run.startMicros()),
                    Seconds.of(run.endMicros()),
                    run.worker(),
                    run.cores(),
                    sources ? "  " + estimates.get(run.id()) : "");
        }
        out.flush();
    }

    void workerUse(SimulationResult result) {
        Map<String, long[]> perWorker = new LinkedHashMap<>();
        for (int w = 0; w < result.config().workers(); w++) {
            perWorker.put(result.config().workerName(w), new long[2]);
        }
        for (ScheduledRun run : result.schedule()) {
            long[] use = perWorker.get(run.worker());
            use[0]++;
            use[1] += run.cores() * run.durationMicros();
        }
        out.println();
        out.printf(Locale.ROOT, "  %-10s %9s %12s%n", "worker", "packages", "busy cores");
        double capacity = (double) result.config().coresPerWorker() * Math.max(1, result.makespanMicros());
        perWorker.forEach((worker, use) ->
                out.printf(Locale.ROOT, "  %-10s %9d %11.0f%%%n", worker, use[0], use[1] / capacity * 100));
        out.flush();
    }
}
