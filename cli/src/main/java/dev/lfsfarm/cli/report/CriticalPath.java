package dev.lfsfarm.cli.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The two critical-path figures of a finished schedule. */
public final class CriticalPath {
    private CriticalPath() {}

    /**
     * The chain that made the build end when it did: from the package that finished last, back
     * through the dependency that finished latest, until a package none of whose dependencies
     * finished. First package first.
     *
     * @param finish seconds at which each package finished (packages that did not are absent)
     * @param dependsOn each package's direct dependencies
     */
    public static List<String> walkBack(Map<String, Double> finish, Map<String, List<String>> dependsOn) {
        String last = null;
        for (Map.Entry<String, Double> e : finish.entrySet()) {
            if (last == null
                    || e.getValue() > finish.get(last)
                    || (e.getValue().equals(finish.get(last)) && e.getKey().compareTo(last) < 0)) {
                last = e.getKey();
            }
        }
        List<String> path = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String at = last; at != null && seen.add(at); ) {
            path.add(at);
            String latest = null;
            for (String dep : dependsOn.getOrDefault(at, List.of())) {
                Double f = finish.get(dep);
                if (f != null && (latest == null || f > finish.get(latest))) {
                    latest = dep;
                }
            }
            at = latest;
        }
        Collections.reverse(path);
        return path;
    }

    /**
     * The longest chain of dependencies weighted by {@code seconds} (absent = 0): no schedule,
     * on any number of workers, could finish these packages sooner.
     */
    public static double longest(Map<String, Double> seconds, Map<String, List<String>> dependsOn) {
        Map<String, Double> upTo = new HashMap<>();
        double longest = 0;
        for (String id : dependsOn.keySet()) {
            longest = Math.max(longest, upTo(id, seconds, dependsOn, upTo, new HashSet<>()));
        }
        return longest;
    }

    /** Longest chain ending with {@code id}, memoised; {@code open} guards against a cycle in bad input. */
    private static double upTo(
            String id,
            Map<String, Double> seconds,
            Map<String, List<String>> dependsOn,
            Map<String, Double> upTo,
            Set<String> open) {
        Double known = upTo.get(id);
        if (known != null) {
            return known;
        }
        if (!open.add(id)) {
            return 0;
        }
        double before = 0;
        for (String dep : dependsOn.getOrDefault(id, List.of())) {
            before = Math.max(before, upTo(dep, seconds, dependsOn, upTo, open));
        }
        open.remove(id);
        double total = before + seconds.getOrDefault(id, 0.0);
        upTo.put(id, total);
        return total;
    }
}
