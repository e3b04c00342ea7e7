package dev.lfsfarm.common.testing;

import dev.lfsfarm.common.graph.DependencyResolver;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.input.Location;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.Dependency;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.recipe.Profile;
import dev.lfsfarm.common.recipe.Recipe;
import dev.lfsfarm.common.recipe.Resources;
import dev.lfsfarm.common.version.VersionConstraint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds small graphs for scheduler tests from one line per package, in book order:
 * {@code "id sbu [pj=N] [mem=MB] [label=k:v] [dep ...]"}, e.g. {@code "gcc 4.5 pj=4 binutils glibc"}.
 */
public final class MiniBook {
    private MiniBook() {}

    public static Book book(String... lines) {
        List<Recipe> recipes = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            recipes.add(recipe(lines[i].trim().split("\\s+"), new Location(Path.of("mini"), i + 1, 1)));
        }
        return new Book(Path.of("mini"), "mini", "default", Map.of("default", Profile.DEFAULT), recipes);
    }

    /** The whole book resolved with the default profile. */
    public static ResolvedGraph graph(String... lines) {
        try {
            return new DependencyResolver(book(lines), Profile.DEFAULT).resolve(List.of());
        } catch (InputException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static Recipe recipe(String[] words, Location at) {
        int parallelJobs = 1;
        int memory = 0;
        Map<String, String> labels = new HashMap<>();
        List<Dependency> required = new ArrayList<>();
        for (int k = 2; k < words.length; k++) {
            String w = words[k];
            if (w.startsWith("pj=")) {
                parallelJobs = Integer.parseInt(w.substring(3));
            } else if (w.startsWith("mem=")) {
                memory = Integer.parseInt(w.substring(4));
            } else if (w.startsWith("label=")) {
                String[] kv = w.substring(6).split(":");
                labels.put(kv[0], kv[1]);
            } else {
                required.add(new Dependency(w, VersionConstraint.ANY, DependencyClass.REQUIRED, at, "required"));
            }
        }
        return new Recipe(
                words[0],
                words[0],
                "1",
                List.of(),
                Map.of(DependencyClass.REQUIRED, required),
                Double.parseDouble(words[1]),
                parallelJobs,
                new Resources(memory, 0),
                labels,
                Map.of(),
                Map.of(),
                at);
    }
}
