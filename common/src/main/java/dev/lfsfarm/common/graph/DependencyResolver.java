package dev.lfsfarm.common.graph;

import dev.lfsfarm.common.input.ErrorCollector;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.input.Location;
import dev.lfsfarm.common.input.Suggestions;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.Dependency;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.recipe.Profile;
import dev.lfsfarm.common.recipe.Recipe;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves the build of some targets: the closure over required, recommended (unless the profile
 * turns them off), enabled optional and runtime dependencies; the ordering edges between them; and
 * the cycles, reported as an input error or broken by dropping the weakest non-required edge.
 */
public final class DependencyResolver {
    private final Book book;
    private final Profile profile;
    private final boolean breakCyclesFlag;
    private final Map<String, Integer> bookIndex = new HashMap<>();

    public DependencyResolver(Book book, Profile profile) {
        this(book, profile, false);
    }

    /**
     * @param breakCyclesFlag drop the weakest edge of every cycle, as {@code --break-cycles} asks,
     *     whatever the profile says
     */
    public DependencyResolver(Book book, Profile profile, boolean breakCyclesFlag) {
        this.book = book;
        this.profile = profile;
        this.breakCyclesFlag = breakCyclesFlag;
        for (int i = 0; i < book.recipes().size(); i++) {
            bookIndex.put(book.recipes().get(i).id(), i);
        }
    }

    /**
     * Resolves the build of {@code targets} (every package when empty).
     *
     * @throws InputException for an unknown target, a cycle (unless breaking is on), or a cycle
     *     that has only required edges
     */
    public ResolvedGraph resolve(List<String> targets) throws InputException {
        List<Integer> roots = rootsOf(targets);
        boolean[] inBuild = closure(roots);
        List<Recipe> members = new ArrayList<>();
        int[] memberIndex = new int[book.recipes().size()];
        Arrays.fill(memberIndex, -1);
        for (int i = 0; i < inBuild.length; i++) {
            if (inBuild[i]) {
                memberIndex[i] = members.size();
                members.add(book.recipes().get(i));
            }
        }
        EdgeSet edges = orderingEdges(members, memberIndex);
        List<DroppedEdge> dropped = new ArrayList<>();
        applyProfileRules(members, memberIndex, edges, dropped);
        String reason = breakCyclesFlag
                ? "--break-cycles"
                : profile.breakAllCycles() ? "profile " + profile.name() + ": break_cycles" : null;
        new CycleBreaker(members, edges, reason).breakCycles(dropped);
        return build(members, memberIndex, edges, targets, dropped);
    }

    private List<Integer> rootsOf(List<String> targets) throws InputException {
        List<Integer> roots = new ArrayList<>();
        if (targets.isEmpty()) {
            for (int i = 0; i < book.recipes().size(); i++) {
                roots.add(i);
            }
            return roots;
        }
        ErrorCollector errors = new ErrorCollector();
        for (String target : targets) {
            Integer index = bookIndex.get(target);
            if (index == null) {
                errors.add(
                        Location.of(book.source()),
                        "targets",
                        "unknown package '" + target + "'" + Suggestions.didYouMean(target, bookIndex.keySet()));
            } else {
                roots.add(index);
            }
        }
        errors.throwIfAny();
        return roots;
    }

    private boolean[] closure(List<Integer> roots) {
        boolean[] inBuild = new boolean[book.recipes().size()];
        Deque<Integer> queue = new ArrayDeque<>();
        for (int root : roots) {
            if (!inBuild[root]) {
                inBuild[root] = true;
                queue.add(root);
            }
        }
        while (!queue.isEmpty()) {
            Recipe recipe = book.recipes().get(queue.poll());
            recipe.allDependencies().filter(profile::includes).forEach(d -> {
                int target = bookIndex.get(d.target());
                if (!inBuild[target]) {
                    inBuild[target] = true;
                    queue.add(target);
                }
            });
        }
        return inBuild;
    }

    /** Ordering edges between the members; a pair listed twice keeps its strongest class. */
    private EdgeSet orderingEdges(List<Recipe> members, int[] memberIndex) {
        EdgeSet edges = new EdgeSet(members.size());
        for (int from = 0; from < members.size(); from++) {
            for (List<Dependency> list : members.get(from).depends().values()) {
                for (Dependency d : list) {
                    if (profile.orders(d)) {
                        edges.add(from, memberIndex[bookIndex.get(d.target())], d.dependencyClass());
                    }
                }
            }
        }
        return edges;
    }

    private void applyProfileRules(List<Recipe> members, int[] memberIndex, EdgeSet edges, List<DroppedEdge> dropped)
            throws InputException {
        ErrorCollector errors = new ErrorCollector();
        for (Profile.EdgeRule rule : profile.breakCycles()) {
            Integer from = bookIndex.get(rule.from());
            Integer to = bookIndex.get(rule.to());
            if (from == null || to == null || memberIndex[from] < 0 || memberIndex[to] < 0) {
                continue; // the rule names packages outside this build
            }
            DependencyClass c = edges.get(memberIndex[from], memberIndex[to]);
            if (c == null) {
                continue;
            }
            if (!c.breakable()) {
                errors.add(
                        rule.location(),
                        "profiles." + profile.name() + ".break_cycles",
                        "cannot drop '" + rule + "': it is a required dependency");
                continue;
            }
            edges.remove(memberIndex[from], memberIndex[to]);
            dropped.add(new DroppedEdge(new Edge(rule.from(), rule.to(), c), null, "profile " + profile.name()));
        }
        errors.throwIfAny();
    }

    private ResolvedGraph build(
            List<Recipe> members, int[] memberIndex, EdgeSet edges, List<String> targets, List<DroppedEdge> dropped) {
        int n = members.size();
        int[][] deps = new int[n][];
        DependencyClass[][] classes = new DependencyClass[n][];
        int[][] runtime = new int[n][];
        for (int i = 0; i < n; i++) {
            deps[i] = edges.targets(i);
            classes[i] = edges.classes(i);
            runtime[i] = members.get(i).depends(DependencyClass.RUNTIME).stream()
                    .mapToInt(d -> memberIndex[bookIndex.get(d.target())])
                    .distinct()
                    .toArray();
        }
        List<String> resolvedTargets =
                targets.isEmpty() ? members.stream().map(Recipe::id).toList() : targets;
        return new ResolvedGraph(members, profile, deps, classes, runtime, resolvedTargets, dropped);
    }
}
