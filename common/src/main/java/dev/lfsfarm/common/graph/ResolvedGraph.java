package dev.lfsfarm.common.graph;

import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.recipe.Profile;
import dev.lfsfarm.common.recipe.Recipe;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The packages of one build and the edges that order it, acyclic, indexed 0..n-1 in book order.
 * Arrays of primitives keep a 100,000-package graph small and fast to walk.
 */
public final class ResolvedGraph {
    private final List<Recipe> recipes;
    private final Profile profile;
    private final int[][] dependencies;
    private final DependencyClass[][] dependencyClasses;
    private final int[][] dependents;
    private final int[][] runtime;
    private final int[] topologicalOrder;
    private final List<String> targets;
    private final List<DroppedEdge> droppedEdges;
    private final Map<String, Integer> indexById;

    ResolvedGraph(
            List<Recipe> recipes,
            Profile profile,
            int[][] dependencies,
            DependencyClass[][] dependencyClasses,
            int[][] runtime,
            List<String> targets,
            List<DroppedEdge> droppedEdges) {
        this.recipes = List.copyOf(recipes);
        this.profile = profile;
        this.dependencies = dependencies;
        this.dependencyClasses = dependencyClasses;
        this.runtime = runtime;
        this.targets = List.copyOf(targets);
        this.droppedEdges = List.copyOf(droppedEdges);
        this.dependents = invert(dependencies);
        this.topologicalOrder = topologicalOrder(dependencies, dependents);
        this.indexById = new HashMap<>(recipes.size() * 2);
        for (int i = 0; i < recipes.size(); i++) {
            indexById.put(recipes.get(i).id(), i);
        }
    }

    public int size() {
        return recipes.size();
    }

    public String id(int node) {
        return recipes.get(node).id();
    }

    public Recipe recipe(int node) {
        return recipes.get(node);
    }

    public List<Recipe> recipes() {
        return recipes;
    }

    public Profile profile() {
        return profile;
    }

    /** Index of a package id, or -1 when it is not part of this build. */
    public int indexOf(String id) {
        Integer index = indexById.get(id);
        return index == null ? -1 : index;
    }

    /** Packages that must finish before {@code node} starts (ordering edges). Do not modify. */
    public int[] dependencies(int node) {
        return dependencies[node];
    }

    /** The class of the k-th ordering edge of {@code node}. */
    public DependencyClass dependencyClass(int node, int k) {
        return dependencyClasses[node][k];
    }

    /** Packages that wait for {@code node}. Do not modify. */
    public int[] dependents(int node) {
        return dependents[node];
    }

    /** Runtime dependencies of {@code node}: in the build, not ordering it. Do not modify. */
    public int[] runtime(int node) {
        return runtime[node];
    }

    /** Every package after all of its dependencies; ties in book order. Do not modify. */
    public int[] topologicalOrder() {
        return topologicalOrder;
    }

    /** The targets asked for (every package when none were named). */
    public List<String> targets() {
        return targets;
    }

    /** Edges dropped to break cycles, in the order they were dropped. */
    public List<DroppedEdge> droppedEdges() {
        return droppedEdges;
    }

    public int edgeCount() {
        int count = 0;
        for (int[] deps : dependencies) {
            count += deps.length;
        }
        return count;
    }

    private static int[][] invert(int[][] dependencies) {
        int n = dependencies.length;
        int[] counts = new int[n];
        for (int[] deps : dependencies) {
            for (int d : deps) {
                counts[d]++;
            }
        }
        int[][] result = new int[n][];
        for (int i = 0; i < n; i++) {
            result[i] = new int[counts[i]];
            counts[i] = 0;
        }
        for (int i = 0; i < n; i++) {
            for (int d : dependencies[i]) {
                result[d][counts[d]++] = i;
            }
        }
        return result;
    }

    private static int[] topologicalOrder(int[][] dependencies, int[][] dependents) {
        int n = dependencies.length;
        int[] pending = new int[n];
        java.util.PriorityQueue<Integer> ready = new java.util.PriorityQueue<>();
        for (int i = 0; i < n; i++) {
            pending[i] = dependencies[i].length;
            if (pending[i] == 0) {
                ready.add(i);
            }
        }
        int[] order = new int[n];
        int count = 0;
        while (!ready.isEmpty()) {
            int node = ready.poll();
            order[count++] = node;
            for (int d : dependents[node]) {
                if (--pending[d] == 0) {
                    ready.add(d);
                }
            }
        }
        if (count != n) {
            throw new IllegalStateException("resolved graph has a cycle");
        }
        return order;
    }
}
