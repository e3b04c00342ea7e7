package dev.lfsfarm.common.recipe;

import dev.lfsfarm.common.input.Location;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One package of a book: what to fetch, what it depends on, how long it takes, and how to build it.
 * Immutable. Graph files produce recipes without sources or phases.
 *
 * @param id unique within the book (defaults to the file name)
 * @param name the package's name (defaults to the id)
 * @param version the package version, compared by version constraints
 * @param sources what to fetch; the first archive is unpacked and the build runs in its top folder
 * @param depends dependency entries by class
 * @param sbu estimated build time in Standard Build Units, single core
 * @param parallelJobs how many cores the build can use
 * @param resources memory and disk the build needs
 * @param labels matched against worker labels
 * @param env extra environment for the phases
 * @param phases phase scripts; a missing phase is skipped
 * @param location the recipe's file (or its entry in a graph file)
 */
public record Recipe(
        String id,
        String name,
        String version,
        List<Source> sources,
        Map<DependencyClass, List<Dependency>> depends,
        double sbu,
        int parallelJobs,
        Resources resources,
        Map<String, String> labels,
        Map<String, String> env,
        Map<Phase, String> phases,
        Location location) {

    /** Package ids: a letter or digit, then letters, digits, '.', '_', '+', '-'. */
    public static final String ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._+-]*";

    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile(ID_PATTERN);

    /** Whether {@code id} is a valid package id. */
    public static boolean isValidId(String id) {
        return ID.matcher(id).matches();
    }

    public Recipe {
        sources = List.copyOf(sources);
        EnumMap<DependencyClass, List<Dependency>> copy = new EnumMap<>(DependencyClass.class);
        for (DependencyClass c : DependencyClass.values()) {
            copy.put(c, List.copyOf(depends.getOrDefault(c, List.of())));
        }
        depends = java.util.Collections.unmodifiableMap(copy);
        labels = Map.copyOf(labels);
        env = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(env));
        EnumMap<Phase, String> phaseCopy = new EnumMap<>(Phase.class);
        phaseCopy.putAll(phases);
        phases = java.util.Collections.unmodifiableMap(phaseCopy);
    }

    public List<Dependency> depends(DependencyClass c) {
        return depends.get(c);
    }

    /** Every dependency entry, in class order. */
    public Stream<Dependency> allDependencies() {
        return depends.values().stream().flatMap(List::stream);
    }

    /** This recipe with its dependency entries replaced (ids resolved, unknown optional ones dropped). */
    public Recipe withDepends(Map<DependencyClass, List<Dependency>> newDepends) {
        return new Recipe(
                id, name, version, sources, newDepends, sbu, parallelJobs, resources, labels, env, phases, location);
    }
}
