package dev.lfsfarm.common.graph;

import dev.lfsfarm.common.recipe.DependencyClass;
import java.util.Arrays;

/**
 * The ordering edges of a build while it is being resolved: per package, the packages it depends
 * on and the class of each edge. Packages have a handful of dependencies, so a short array per
 * package beats a hash map of pairs by far at 100,000 packages and half a million edges.
 */
final class EdgeSet {
    private static final int[] NONE = new int[0];
    private static final DependencyClass[] NO_CLASSES = new DependencyClass[0];

    private final int[][] targets;
    private final DependencyClass[][] classes;
    private final int[] counts;

    EdgeSet(int nodes) {
        targets = new int[nodes][];
        classes = new DependencyClass[nodes][];
        counts = new int[nodes];
        Arrays.fill(targets, NONE);
        Arrays.fill(classes, NO_CLASSES);
    }

    int nodes() {
        return counts.length;
    }

    /** Adds {@code from -> to}; a pair added twice keeps its strongest class. */
    void add(int from, int to, DependencyClass c) {
        int k = indexOf(from, to);
        if (k >= 0) {
            if (c.compareTo(classes[from][k]) > 0) {
                classes[from][k] = c;
            }
            return;
        }
        if (counts[from] == targets[from].length) {
            int size = Math.max(4, counts[from] * 2);
            targets[from] = Arrays.copyOf(targets[from], size);
            classes[from] = Arrays.copyOf(classes[from], size);
        }
        targets[from][counts[from]] = to;
        classes[from][counts[from]++] = c;
    }

    /** The class of {@code from -> to}, or null when there is no such edge. */
    DependencyClass get(int from, int to) {
        int k = indexOf(from, to);
        return k < 0 ? null : classes[from][k];
    }

    /** Removes {@code from -> to} and returns its class (null when absent). Keeps the order of the others. */
    DependencyClass remove(int from, int to) {
        int k = indexOf(from, to);
        if (k < 0) {
            return null;
        }
        DependencyClass c = classes[from][k];
        int tail = counts[from] - k - 1;
        System.arraycopy(targets[from], k + 1, targets[from], k, tail);
        System.arraycopy(classes[from], k + 1, classes[from], k, tail);
        counts[from]--;
        return c;
    }

    /** The targets of {@code from}, in the order added. */
    int[] targets(int from) {
        return Arrays.copyOf(targets[from], counts[from]);
    }

    /** The classes of {@code from}'s edges, matching {@link #targets(int)}. */
    DependencyClass[] classes(int from) {
        return Arrays.copyOf(classes[from], counts[from]);
    }

    /** Adjacency lists with targets sorted, so cycle search visits nodes in book order. */
    int[][] sortedAdjacency() {
        int[][] adjacency = new int[counts.length][];
        for (int i = 0; i < counts.length; i++) {
            adjacency[i] = targets(i);
            Arrays.sort(adjacency[i]);
        }
        return adjacency;
    }

    private int indexOf(int from, int to) {
        int[] row = targets[from];
        for (int k = 0; k < counts[from]; k++) {
            if (row[k] == to) {
                return k;
            }
        }
        return -1;
    }
}
