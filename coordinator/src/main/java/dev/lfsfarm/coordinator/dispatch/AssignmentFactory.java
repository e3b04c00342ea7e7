package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.lifecycle.Attempt;
import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.recipe.Recipe;
import dev.lfsfarm.common.schedule.Assignment;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.PackageStatusOrBuilder;
import dev.lfsfarm.proto.v1.StagedArtifact;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the {@link Assign} message that starts an attempt on a worker: the recipe as submitted,
 * the cores granted, the profile, and every package the task needs staged (its transitive
 * dependencies, dependencies before dependents). Confined to the dispatch thread.
 */
final class AssignmentFactory {
    /** Per build: its recipes by id as submitted, and each package's topological position. */
    private record BuildFacts(Map<String, dev.lfsfarm.proto.v1.Recipe> recipes, int[] rank) {}

    private final long epoch;
    private final long logCapBytes;
    private final Map<String, BuildFacts> facts = new HashMap<>();

    AssignmentFactory(long epoch, long logCapBytes) {
        this.epoch = epoch;
        this.logCapBytes = logCapBytes;
    }

    Assign assign(BuildLifecycle build, Assignment assignment, Attempt attempt, double secondsPerSbu) {
        BuildFacts f = facts(build);
        int task = assignment.task();
        Recipe recipe = build.graph().recipe(task);
        Assign.Builder assign = Assign.newBuilder()
                .setAttemptId(attempt.id())
                .setLeaderEpoch(epoch)
                .setBuildId(build.id())
                .setPackageId(recipe.id())
                .setActionKey(build.actionKey(task))
                .setRecipe(f.recipes().get(recipe.id()))
                .setCores(assignment.cores())
                .setMemoryMb(recipe.resources().memoryMb())
                .setDiskMb(recipe.resources().diskMb())
                .setSkipCheck(build.graph().profile().skipCheck())
                .putAllProfileEnv(build.graph().profile().env())
                .setLogCapBytes(logCapBytes)
                .setAttemptNumber(attempt.number())
                .setSecondsPerSbu(secondsPerSbu);
        for (int dep : transitiveDependencies(build.graph(), f.rank(), task)) {
            PackageStatusOrBuilder d = build.status(dep);
            assign.addDependencies(StagedArtifact.newBuilder()
                    .setPackageId(d.getPackageId())
                    .setVersion(d.getVersion())
                    .setArtifact(d.getArtifact())
                    .setManifest(d.getManifest()));
        }
        return assign.build();
    }

    private BuildFacts facts(BuildLifecycle build) {
        return facts.computeIfAbsent(build.id(), id -> {
            Map<String, dev.lfsfarm.proto.v1.Recipe> recipes = new HashMap<>();
            build.spec().getBook().getRecipesList().forEach(r -> recipes.put(r.getId(), r));
            int[] order = build.graph().topologicalOrder();
            int[] rank = new int[order.length];
            for (int i = 0; i < order.length; i++) {
                rank[order[i]] = i;
            }
            return new BuildFacts(recipes, rank);
        });
    }

    /** Every package the task needs staged, dependencies before dependents. */
    static List<Integer> transitiveDependencies(ResolvedGraph graph, int[] rank, int task) {
        int[] direct = graph.dependencies(task);
        if (direct.length == 0) {
            return List.of();
        }
        Set<Integer> seen = new HashSet<>();
        Deque<Integer> stack = new ArrayDeque<>();
        for (int d : direct) {
            stack.push(d);
        }
        while (!stack.isEmpty()) {
            int d = stack.pop();
            if (seen.add(d)) {
                for (int dd : graph.dependencies(d)) {
                    stack.push(dd);
                }
            }
        }
        // Sorted by topological position: O(k log k) in the closure, not a walk of the whole order per send.
        List<Integer> ordered = new ArrayList<>(seen);
        ordered.sort(Comparator.comparingInt(d -> rank[d]));
        return ordered;
    }
}
