package dev.lfsfarm.cli.report;

import dev.lfsfarm.proto.v1.PackageStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The order a build builds in, like the book's: every package after its dependencies, and among
 * packages free at the same time the one listed first. GetBuild's list order stands in for the
 * book order; it is not relied on to be topological.
 */
public final class BuildOrder {
    private BuildOrder() {}

    public static List<PackageStatus> of(List<PackageStatus> packages) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < packages.size(); i++) {
            index.put(packages.get(i).getPackageId(), i);
        }
        int[] waitingFor = new int[packages.size()];
        List<List<Integer>> dependents = new ArrayList<>();
        packages.forEach(p -> dependents.add(new ArrayList<>()));
        for (int i = 0; i < packages.size(); i++) {
            for (String dep : packages.get(i).getDependsOnList()) {
                Integer d = index.get(dep);
                if (d != null && d != i) {
                    waitingFor[i]++;
                    dependents.get(d).add(i);
                }
            }
        }
        PriorityQueue<Integer> free = new PriorityQueue<>();
        for (int i = 0; i < packages.size(); i++) {
            if (waitingFor[i] == 0) {
                free.add(i);
            }
        }
        List<PackageStatus> ordered = new ArrayList<>(packages.size());
        boolean[] placed = new boolean[packages.size()];
        while (ordered.size() < packages.size()) {
            if (free.isEmpty()) {
                // A cycle cannot come from a resolved build; should one appear, keep the rest in list order.
                for (int i = 0; i < packages.size(); i++) {
                    if (!placed[i]) {
                        free.add(i);
                        break;
                    }
                }
            }
            int next = free.poll();
            if (placed[next]) {
                continue;
            }
            placed[next] = true;
            ordered.add(packages.get(next));
            for (int dependent : dependents.get(next)) {
                if (--waitingFor[dependent] == 0) {
                    free.add(dependent);
                }
            }
        }
        return ordered;
    }
}
