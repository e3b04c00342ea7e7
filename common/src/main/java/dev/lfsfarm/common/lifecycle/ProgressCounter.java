package dev.lfsfarm.common.lifecycle;

import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.proto.v1.BuildProgress;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import java.util.Arrays;

/**
 * Counts of a build's package states, kept up to date per changed package by {@link #touch}
 * instead of walking every package for each event (watchers get a progress event per change: O(n)
 * per event was O(n²) per build). A full recount happens after {@link #invalidate}.
 */
final class ProgressCounter {
    private final ResolvedGraph graph;
    private final PackageStatus.Builder[] packages;
    private PackageState[] counted; // the state each package is counted under; null: recount on the next progress()
    private boolean[] countedRegression;
    private final int[] stateCounts = new int[PackageState.values().length];
    private int regressions;
    private long sbuDoneMicro; // micro-SBU: exact under adding and removing
    private double sbuTotal;

    ProgressCounter(ResolvedGraph graph, PackageStatus.Builder[] packages) {
        this.graph = graph;
        this.packages = packages;
    }

    BuildProgress progress() {
        if (counted == null) {
            recount();
        }
        BuildProgress.Builder p = BuildProgress.newBuilder().setTotal(graph.size());
        p.setWaiting(stateCount(PackageState.PACKAGE_STATE_WAITING))
                .setReady(stateCount(PackageState.PACKAGE_STATE_READY))
                .setRunning(stateCount(PackageState.PACKAGE_STATE_RUNNING))
                .setSucceeded(stateCount(PackageState.PACKAGE_STATE_SUCCEEDED))
                .setCached(stateCount(PackageState.PACKAGE_STATE_CACHED))
                .setFailed(stateCount(PackageState.PACKAGE_STATE_FAILED))
                .setSkipped(stateCount(PackageState.PACKAGE_STATE_SKIPPED))
                .setCancelled(stateCount(PackageState.PACKAGE_STATE_CANCELLED))
                .setRegressions(regressions);
        int done = p.getSucceeded() + p.getCached() + p.getFailed() + p.getSkipped() + p.getCancelled();
        return p.setDone(done)
                .setSbuTotal(sbuTotal)
                .setSbuDone(sbuDoneMicro / 1e6)
                .build();
    }

    private int stateCount(PackageState s) {
        return stateCounts[s.ordinal()];
    }

    /** The package statuses were replaced or changed wholesale (restore, retry): recount on the next progress(). */
    void invalidate() {
        counted = null;
    }

    /** Brings the counters up to date with {@code task}'s status (cheap; call after changing it). */
    void touch(int task) {
        if (counted == null) {
            return;
        }
        PackageStatus.Builder status = packages[task];
        PackageState now = status.getState();
        if (counted[task] != now) {
            count(counted[task], task, -1);
            count(now, task, 1);
            counted[task] = now;
        }
        boolean regression = status.hasRegression();
        if (countedRegression[task] != regression) {
            regressions += regression ? 1 : -1;
            countedRegression[task] = regression;
        }
    }

    private void count(PackageState s, int task, int sign) {
        stateCounts[s.ordinal()] += sign;
        if (s == PackageState.PACKAGE_STATE_SUCCEEDED || s == PackageState.PACKAGE_STATE_CACHED) {
            sbuDoneMicro += sign * Math.round(graph.recipe(task).sbu() * 1e6);
        }
    }

    private void recount() {
        Arrays.fill(stateCounts, 0);
        regressions = 0;
        sbuDoneMicro = 0;
        sbuTotal = 0;
        counted = new PackageState[packages.length];
        countedRegression = new boolean[packages.length];
        for (int i = 0; i < packages.length; i++) {
            sbuTotal += graph.recipe(i).sbu();
            counted[i] = packages[i].getState();
            count(counted[i], i, 1);
            countedRegression[i] = packages[i].hasRegression();
            regressions += countedRegression[i] ? 1 : 0;
        }
    }
}
