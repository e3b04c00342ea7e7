package dev.lfsfarm.cli.report;

import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * When each package of a build ran and where: the runs packed into worker lanes, the critical
 * path, the makespan and the lower bound no schedule could beat. Times are seconds since the
 * build started.
 */
public final class BuildTimeline {
    private final Instant origin;
    private final List<Run> runs;
    private final Map<String, List<List<Run>>> lanes;
    private final List<String> criticalPath;
    private final double makespan;
    private final double longestChain;
    private final double busy;

    private BuildTimeline(Instant origin, List<Run> runs, List<String> criticalPath, double longestChain) {
        this.origin = origin;
        this.runs = List.copyOf(runs);
        this.lanes = Lanes.pack(runs);
        this.criticalPath = List.copyOf(criticalPath);
        this.makespan = runs.stream().mapToDouble(Run::end).max().orElse(0);
        this.longestChain = longestChain;
        this.busy = runs.stream().mapToDouble(Run::seconds).sum();
    }

    /**
     * The timeline of {@code build}. A package that ran has a worker and a start; one still
     * running ends at {@code now}. Cached and never-dispatched packages take no time.
     */
    public static BuildTimeline of(Build build, Instant now) {
        Instant origin = build.hasStartedAt() ? ProtoTime.instant(build.getStartedAt()) : firstStart(build, now);
        List<Run> runs = new ArrayList<>();
        Map<String, Double> finish = new LinkedHashMap<>();
        Map<String, Double> seconds = new LinkedHashMap<>();
        Map<String, List<String>> dependsOn = new LinkedHashMap<>();
        for (PackageStatus p : build.getPackagesList()) {
            dependsOn.put(p.getPackageId(), p.getDependsOnList());
            if (ran(p)) {
                double start = since(origin, ProtoTime.instant(p.getStartedAt()));
                double end =
                        p.hasFinishedAt() ? since(origin, ProtoTime.instant(p.getFinishedAt())) : since(origin, now);
                Run run = new Run(p, start, Math.max(start, end));
                runs.add(run);
                finish.put(run.id(), run.end());
                seconds.put(run.id(), run.seconds());
            } else if (p.hasFinishedAt()) {
                finish.put(p.getPackageId(), since(origin, ProtoTime.instant(p.getFinishedAt())));
            }
        }
        return new BuildTimeline(
                origin, runs, CriticalPath.walkBack(finish, dependsOn), CriticalPath.longest(seconds, dependsOn));
    }

    /** Whether the package ran (or runs) on a worker in this build: it has a bar. */
    static boolean ran(PackageStatus p) {
        return p.getState() != PackageState.PACKAGE_STATE_CACHED
                && !p.getWorker().isEmpty()
                && p.hasStartedAt();
    }

    private static Instant firstStart(Build build, Instant now) {
        return build.getPackagesList().stream()
                .filter(BuildTimeline::ran)
                .map(p -> ProtoTime.instant(p.getStartedAt()))
                .min(Instant::compareTo)
                .orElse(now);
    }

    private static double since(Instant origin, Instant t) {
        return Duration.between(origin, t).toNanos() / 1e9;
    }

    /** When the build started: time 0 of the timeline. */
    public Instant origin() {
        return origin;
    }

    /** Runs in build order. */
    public List<Run> runs() {
        return runs;
    }

    /** Worker name (sorted) → lanes → runs. */
    public Map<String, List<List<Run>>> lanes() {
        return lanes;
    }

    /** Package ids from the first to the package that finished last. */
    public List<String> criticalPath() {
        return criticalPath;
    }

    /** When the last package finished, seconds since the build started. */
    public double makespan() {
        return makespan;
    }

    /** The longest chain of dependencies, weighted by how long each package ran. */
    public double longestChain() {
        return longestChain;
    }

    /** Seconds during which some slot ran some package, summed over slots. */
    public double busy() {
        return busy;
    }

    /** Every worker's lanes: the slots the build used. */
    public int slots() {
        return lanes.values().stream().mapToInt(List::size).sum();
    }

    /** Busy time spread evenly over the slots used. */
    public double averageWork() {
        return slots() == 0 ? 0 : busy / slots();
    }

    /** No schedule on these slots could finish sooner: max(longest chain, busy / slots). */
    public double lowerBound() {
        return Math.max(longestChain, averageWork());
    }

    /** The slots of {@code worker} used for the makespan: its busy time / (its lanes × makespan). */
    public double utilisation(String worker) {
        List<List<Run>> workerLanes = lanes.getOrDefault(worker, List.of());
        double workerBusy = workerLanes.stream()
                .flatMap(List::stream)
                .mapToDouble(Run::seconds)
                .sum();
        return makespan <= 0 || workerLanes.isEmpty() ? 0 : workerBusy / (workerLanes.size() * makespan);
    }
}
