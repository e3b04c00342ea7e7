package dev.lfsfarm.common.graph;

import dev.lfsfarm.common.input.ErrorCollector;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.input.Location;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.recipe.Recipe;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reports dependency cycles or breaks them. Breaking drops, in each cycle still intact, its weakest
 * edge (optional before recommended; never required); among equally weak edges, the one leaving the
 * package latest in book order, since a book lists first what it builds first. Runs until acyclic.
 */
final class CycleBreaker {
    private final List<Recipe> members;
    private final Map<Long, DependencyClass> edges;
    private final boolean breakCycles;

    CycleBreaker(List<Recipe> members, Map<Long, DependencyClass> edges, boolean breakCycles) {
        this.members = members;
        this.edges = edges;
        this.breakCycles = breakCycles;
    }

    void breakCycles(List<DroppedEdge> dropped) throws InputException {
        while (true) {
            List<int[]> found = new CycleFinder(adjacency()).cycles();
            if (found.isEmpty()) {
                return;
            }
            if (!breakCycles) {
                throw report(found, "dependency cycle", " (use --break-cycles, or a profile's break_cycles, to drop its weakest edge)");
            }
            List<int[]> unbreakable = new ArrayList<>();
            for (int[] cycle : found) {
                if (!intact(cycle)) {
                    continue;
                }
                long weakest = weakestEdge(cycle);
                if (weakest < 0) {
                    unbreakable.add(cycle);
                    continue;
                }
                Cycle broken = toCycle(cycle);
                DependencyClass c = edges.remove(weakest);
                Edge edge = new Edge(members.get((int) (weakest >>> 32)).id(), members.get((int) weakest).id(), c);
                dropped.add(new DroppedEdge(edge, broken, "--break-cycles"));
            }
            if (!unbreakable.isEmpty()) {
                throw report(unbreakable, "dependency cycle of required edges only", " (cannot be broken: fix the recipes)");
            }
        }
    }

    private boolean intact(int[] cycle) {
        for (int i = 0; i < cycle.length; i++) {
            if (!edges.containsKey(DependencyResolver.key(cycle[i], cycle[(i + 1) % cycle.length]))) {
                return false;
            }
        }
        return true;
    }

    /** The key of the edge to drop, or -1 when every edge is required. */
    private long weakestEdge(int[] cycle) {
        long best = -1;
        DependencyClass bestClass = null;
        int bestFrom = -1;
        for (int i = 0; i < cycle.length; i++) {
            long key = DependencyResolver.key(cycle[i], cycle[(i + 1) % cycle.length]);
            DependencyClass c = edges.get(key);
            if (!c.breakable()) {
                continue;
            }
            if (bestClass == null || c.compareTo(bestClass) < 0 || (c == bestClass && cycle[i] > bestFrom)) {
                best = key;
                bestClass = c;
                bestFrom = cycle[i];
            }
        }
        return best;
    }

    private InputException report(List<int[]> cycles, String what, String advice) {
        ErrorCollector errors = new ErrorCollector();
        for (int[] cycle : cycles) {
            Recipe first = members.get(cycle[0]);
            errors.add(first.location(), "depends", what + ": " + toCycle(cycle) + advice);
        }
        if (cycles.size() >= CycleFinder.MAX_CYCLES) {
            errors.add(Location.of(null), "depends", "more cycles not listed (first " + CycleFinder.MAX_CYCLES + " shown)");
        }
        return errors.toException();
    }

    private Cycle toCycle(int[] cycle) {
        List<Edge> list = new ArrayList<>(cycle.length);
        for (int i = 0; i < cycle.length; i++) {
            int from = cycle[i];
            int to = cycle[(i + 1) % cycle.length];
            list.add(new Edge(members.get(from).id(), members.get(to).id(), edges.get(DependencyResolver.key(from, to))));
        }
        return new Cycle(list);
    }

    private int[][] adjacency() {
        int n = members.size();
        int[] counts = new int[n];
        edges.keySet().forEach(k -> counts[(int) (k >>> 32)]++);
        int[][] adjacency = new int[n][];
        for (int i = 0; i < n; i++) {
            adjacency[i] = new int[counts[i]];
            counts[i] = 0;
        }
        edges.keySet().forEach(k -> {
            int from = (int) (k >>> 32);
            adjacency[from][counts[from]++] = (int) (long) k;
        });
        for (int[] row : adjacency) {
            java.util.Arrays.sort(row);
        }
        return adjacency;
    }
}
