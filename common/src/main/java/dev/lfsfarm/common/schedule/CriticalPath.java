package dev.lfsfarm.common.schedule;

import dev.lfsfarm.common.graph.ResolvedGraph;
import java.util.ArrayList;
import java.util.List;

/**
 * Longest path to the end of the build, per package, with each package's duration estimated at
 * the cores it could get ({@code min(parallel_jobs, coresPerWorker)}). The scheduler's priority,
 * and the critical path that bounds any schedule from below.
 */
public final class CriticalPath {
    private final ResolvedGraph graph;
    private final long[] duration;
    private final long[] remaining;

    public CriticalPath(ResolvedGraph graph, DurationModel model, int coresPerWorker) {
        this(graph, model, coresPerWorker, bookSbu(graph));
    }

    /**
     * Like the book's estimates, but each package's one-core SBU is {@code sbu[task]} (learned
     * from measured history where there is some).
     */
    public CriticalPath(ResolvedGraph graph, DurationModel model, int coresPerWorker, double[] sbu) {
        if (sbu.length != graph.size()) {
            throw new IllegalArgumentException("need one estimate per package: " + sbu.length + " for " + graph.size());
        }
        this.graph = graph;
        int n = graph.size();
        this.duration = new long[n];
        this.remaining = new long[n];
        for (int i = 0; i < n; i++) {
            duration[i] = model.micros(sbu[i], Math.min(graph.recipe(i).parallelJobs(), coresPerWorker));
        }
        int[] order = graph.topologicalOrder();
        for (int k = n - 1; k >= 0; k--) {
            int node = order[k];
            long longestAfter = 0;
            for (int d : graph.dependents(node)) {
                longestAfter = Math.max(longestAfter, remaining[d]);
            }
            remaining[node] = duration[node] + longestAfter;
        }
    }

    /** The book's SBU of every package (the recipes' {@code sbu}). */
    public static double[] bookSbu(ResolvedGraph graph) {
        double[] sbu = new double[graph.size()];
        for (int i = 0; i < sbu.length; i++) {
            sbu[i] = graph.recipe(i).sbu();
        }
        return sbu;
    }

    /** Estimated duration of the package itself, µs. */
    public long duration(int node) {
        return duration[node];
    }

    /** Estimated time from the package's start to the end of the build along its longest chain, µs. */
    public long remaining(int node) {
        return remaining[node];
    }

    /** Length of the critical path, µs. */
    public long length() {
        long longest = 0;
        for (long r : remaining) {
            longest = Math.max(longest, r);
        }
        return longest;
    }

    /** The packages of the critical path, first to last (ties: lowest book index). */
    public List<String> ids() {
        List<String> path = new ArrayList<>();
        int current = -1;
        for (int i = 0; i < remaining.length; i++) {
            if (graph.dependencies(i).length == 0 && (current < 0 || remaining[i] > remaining[current])) {
                current = i;
            }
        }
        while (current >= 0) {
            path.add(graph.id(current));
            int next = -1;
            for (int d : graph.dependents(current)) {
                if (next < 0 || remaining[d] > remaining[next] || (remaining[d] == remaining[next] && d < next)) {
                    next = d;
                }
            }
            current = next;
        }
        return path;
    }
}
