package dev.lfsfarm.common.graph;

import dev.lfsfarm.common.input.ErrorCollector;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.input.Location;
import dev.lfsfarm.common.recipe.Dependency;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.recipe.Recipe;
import java.util.ArrayList;
import java.util.List;

/**
 * Reports dependency cycles or breaks them. Breaking drops, in each cycle still intact, its weakest
 * edge (optional before recommended; never required); among equally weak edges, the one leaving the
 * package latest in book order, since a book lists first what it builds first. Runs until acyclic.
 */
final class CycleBreaker {
    private final List<Recipe> members;
    private final EdgeSet edges;
    private final String reason;

    /** @param reason why cycles may be broken ("--break-cycles", a profile), or null to report them */
    CycleBreaker(List<Recipe> members, EdgeSet edges, String reason) {
        this.members = members;
        this.edges = edges;
        this.reason = reason;
    }

    void breakCycles(List<DroppedEdge> dropped) throws InputException {
        while (true) {
            List<int[]> found = new CycleFinder(edges.sortedAdjacency()).cycles();
            if (found.isEmpty()) {
                return;
            }
            if (reason == null) {
                throw report(
                        found,
                        "dependency cycle",
                        " (use --break-cycles, or a profile's break_cycles, to drop its weakest edge)");
            }
            List<int[]> unbreakable = new ArrayList<>();
            for (int[] cycle : found) {
                if (!intact(cycle)) {
                    continue;
                }
                int weakest = weakestEdge(cycle);
                if (weakest < 0) {
                    unbreakable.add(cycle);
                    continue;
                }
                Cycle broken = toCycle(cycle);
                int from = cycle[weakest];
                int to = cycle[(weakest + 1) % cycle.length];
                DependencyClass c = edges.remove(from, to);
                dropped.add(new DroppedEdge(
                        new Edge(members.get(from).id(), members.get(to).id(), c), broken, reason));
            }
            if (!unbreakable.isEmpty()) {
                throw report(
                        unbreakable, "dependency cycle of required edges only", " (cannot be broken: fix the recipes)");
            }
        }
    }

    private boolean intact(int[] cycle) {
        for (int i = 0; i < cycle.length; i++) {
            if (edges.get(cycle[i], cycle[(i + 1) % cycle.length]) == null) {
                return false;
            }
        }
        return true;
    }

    /** The position in {@code cycle} of the edge to drop, or -1 when every edge is required. */
    private int weakestEdge(int[] cycle) {
        int best = -1;
        DependencyClass bestClass = null;
        for (int i = 0; i < cycle.length; i++) {
            DependencyClass c = edges.get(cycle[i], cycle[(i + 1) % cycle.length]);
            if (!c.breakable()) {
                continue;
            }
            if (bestClass == null || c.compareTo(bestClass) < 0 || (c == bestClass && cycle[i] > cycle[best])) {
                best = i;
                bestClass = c;
            }
        }
        return best;
    }

    private InputException report(List<int[]> cycles, String what, String advice) {
        ErrorCollector errors = new ErrorCollector();
        for (int[] cycle : cycles) {
            Dependency entry = entry(cycle[0], cycle[1 % cycle.length]);
            errors.add(entry.location(), entry.field(), what + ": " + toCycle(cycle) + advice);
        }
        if (cycles.size() >= CycleFinder.MAX_CYCLES) {
            errors.add(
                    Location.of(null),
                    "depends",
                    "more cycles not listed (first " + CycleFinder.MAX_CYCLES + " shown)");
        }
        return errors.toException();
    }

    /** The dependency entry behind the edge {@code from -> to}, for its file and line. */
    private Dependency entry(int from, int to) {
        String target = members.get(to).id();
        return members.get(from)
                .allDependencies()
                .filter(d -> d.target().equals(target))
                .findFirst()
                .orElseThrow();
    }

    private Cycle toCycle(int[] cycle) {
        List<Edge> list = new ArrayList<>(cycle.length);
        for (int i = 0; i < cycle.length; i++) {
            int from = cycle[i];
            int to = cycle[(i + 1) % cycle.length];
            list.add(new Edge(members.get(from).id(), members.get(to).id(), edges.get(from, to)));
        }
        return new Cycle(list);
    }
}
