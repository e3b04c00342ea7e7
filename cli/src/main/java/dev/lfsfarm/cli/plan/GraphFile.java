package dev.lfsfarm.cli.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lfsfarm.common.graph.DroppedEdge;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.recipe.Recipe;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A resolved graph as the graph file of {@code farm graph --format json} (read back by
 * {@code --graph}): the targets, the optional dependencies the profile turned on (so the file
 * orders the build as the book did), every package with its dependencies by class, and the edges
 * dropped to break cycles.
 */
record GraphFile(
        List<String> targets, List<String> enabledOptional, List<Package> packages, List<Dropped> droppedEdges) {

    /** One package and what it depends on, by dependency class. */
    record Package(
            String id,
            String name,
            String version,
            double sbu,
            int parallelJobs,
            int memoryMb,
            List<String> required,
            List<String> recommended,
            List<String> optional,
            List<String> runtime) {}

    /** An edge dropped to break a cycle ({@code cycle} null when it broke none). */
    record Dropped(
            String from, String to, @JsonProperty("class") String dependencyClass, String cycle, String reason) {
        static Dropped of(DroppedEdge d) {
            return new Dropped(
                    d.edge().from(),
                    d.edge().to(),
                    d.edge().dependencyClass().key(),
                    d.cycle() == null ? null : d.cycle().toString(),
                    d.reason());
        }
    }

    static GraphFile of(ResolvedGraph graph) {
        SortedSet<String> enabled = new TreeSet<>();
        List<Package> packages = new ArrayList<>();
        for (int i = 0; i < graph.size(); i++) {
            Map<DependencyClass, List<String>> byClass = new EnumMap<>(DependencyClass.class);
            int[] deps = graph.dependencies(i);
            for (int k = 0; k < deps.length; k++) {
                DependencyClass c = graph.dependencyClass(i, k);
                byClass.computeIfAbsent(c, x -> new ArrayList<>()).add(graph.id(deps[k]));
                if (c == DependencyClass.OPTIONAL) {
                    enabled.add(graph.id(deps[k]));
                }
            }
            for (int rt : graph.runtime(i)) {
                byClass.computeIfAbsent(DependencyClass.RUNTIME, x -> new ArrayList<>())
                        .add(graph.id(rt));
            }
            Recipe r = graph.recipe(i);
            packages.add(new Package(
                    r.id(),
                    r.name(),
                    r.version(),
                    r.sbu(),
                    r.parallelJobs(),
                    r.resources().memoryMb(),
                    byClass.getOrDefault(DependencyClass.REQUIRED, List.of()),
                    byClass.getOrDefault(DependencyClass.RECOMMENDED, List.of()),
                    byClass.getOrDefault(DependencyClass.OPTIONAL, List.of()),
                    byClass.getOrDefault(DependencyClass.RUNTIME, List.of())));
        }
        return new GraphFile(
                graph.targets(),
                List.copyOf(enabled),
                packages,
                graph.droppedEdges().stream().map(Dropped::of).toList());
    }
}
