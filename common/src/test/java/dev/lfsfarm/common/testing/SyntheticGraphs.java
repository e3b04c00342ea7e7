package dev.lfsfarm.common.testing;

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
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Deterministic synthetic books for tests and benchmarks: the same arguments always give the same
 * book, recipe for recipe. Recipes are built directly (no files): id {@code p000123}, version 1.0,
 * no sources or phases, only {@code required} dependencies, and every dependency points at an
 * earlier package, so every graph is acyclic.
 *
 * <p>Three shapes:
 * <ul>
 *   <li>{@link #random}: a deep random DAG, LFS-like but large. Each package depends on 0..2m
 *       earlier packages (mean m, 5 by default): mostly among the {@code window} packages just
 *       before it (so chains form and the graph has depth), the rest uniformly among all earlier
 *       packages.</li>
 *   <li>{@link #wide}: BLFS-like: many roots, few levels, each package depending uniformly on
 *       packages of lower levels.</li>
 *   <li>{@link #chain}: p000000 &lt;- p000001 &lt;- ... (depth n, no parallelism at all).</li>
 * </ul>
 *
 * <p>Build sizes follow LFS: {@link #sbu} gives most packages 0.1 to 0.5 SBU and a few 1 to 10;
 * {@code parallel_jobs} is 1 to 8; resources are the built-in default (512 MiB, no disk).
 */
public final class SyntheticGraphs {
    /** Seed used by the benchmark and by tests that do not care. */
    public static final long DEFAULT_SEED = 20_240_601L;
    /** Mean number of required dependencies per package in {@link #random(int, long)}. */
    public static final double DEFAULT_MEAN_EDGES = 5.0;
    /** How far back the "recent" dependencies of {@link #random(int, long)} reach. */
    public static final int DEFAULT_WINDOW = 2_000;
    /** Share of dependencies of {@link #random(int, long)} drawn from the recent window. */
    public static final double DEFAULT_LOCAL_SHARE = 0.8;
    /** Levels of {@link #wide(int, long)}. */
    public static final int DEFAULT_LEVELS = 5;

    /** The fake book folder every synthetic recipe claims to come from. */
    public static final Path SOURCE = Path.of("synthetic");

    private SyntheticGraphs() {}

    /** {@link #random(int, double, int, double, long)} with the defaults: ~5 edges, window 2,000, 80 % local. */
    public static Book random(int n, long seed) {
        return random(n, DEFAULT_MEAN_EDGES, DEFAULT_WINDOW, DEFAULT_LOCAL_SHARE, seed);
    }

    /**
     * A random DAG of {@code n} packages.
     *
     * @param n packages
     * @param meanEdges mean dependencies per package; each package draws 0..2×meanEdges uniformly
     *     (fewer for the first packages, which have fewer predecessors)
     * @param window how many packages just before a package count as recent
     * @param localShare share of dependencies drawn among the recent ones; the rest are uniform
     * @param seed random seed
     */
    public static Book random(int n, double meanEdges, int window, double localShare, long seed) {
        requirePositive(n);
        if (meanEdges < 0 || window < 1 || localShare < 0 || localShare > 1) {
            throw new IllegalArgumentException(
                    "bad parameters: meanEdges=" + meanEdges + " window=" + window + " localShare=" + localShare);
        }
        SplittableRandom random = new SplittableRandom(seed);
        String[] ids = ids(n);
        int maxEdges = (int) Math.round(2 * meanEdges);
        List<Recipe> recipes = new ArrayList<>(n);
        int[] chosen = new int[maxEdges];
        for (int i = 0; i < n; i++) {
            int k = Math.min(i, random.nextInt(maxEdges + 1));
            for (int e = 0; e < k; e++) {
                int target;
                do {
                    if (random.nextDouble() < localShare) {
                        int reach = Math.min(i, window);
                        target = i - 1 - random.nextInt(reach);
                    } else {
                        target = random.nextInt(i);
                    }
                } while (contains(chosen, e, target));
                chosen[e] = target;
            }
            recipes.add(recipe(ids, i, chosen, k, sbu(random), 1 + random.nextInt(8)));
        }
        return book("synthetic-random-" + n, recipes);
    }

    /** {@link #wide(int, int, double, long)} with 5 levels and ~5 edges per non-root package. */
    public static Book wide(int n, long seed) {
        return wide(n, DEFAULT_LEVELS, DEFAULT_MEAN_EDGES, seed);
    }

    /**
     * A shallow, wide DAG, as BLFS is: packages are split into {@code levels} equal blocks in book
     * order; the first block has no dependencies (the roots), and a package of a later block
     * depends on 0..2×meanEdges packages drawn uniformly from all earlier blocks. The longest chain
     * has at most {@code levels} packages.
     */
    public static Book wide(int n, int levels, double meanEdges, long seed) {
        requirePositive(n);
        if (levels < 1 || meanEdges < 0) {
            throw new IllegalArgumentException("bad parameters: levels=" + levels + " meanEdges=" + meanEdges);
        }
        SplittableRandom random = new SplittableRandom(seed);
        String[] ids = ids(n);
        int maxEdges = (int) Math.round(2 * meanEdges);
        int blockSize = (n + levels - 1) / levels;
        List<Recipe> recipes = new ArrayList<>(n);
        int[] chosen = new int[maxEdges];
        for (int i = 0; i < n; i++) {
            int below = (i / blockSize) * blockSize; // packages in earlier blocks: 0..below-1
            int k = Math.min(below, random.nextInt(maxEdges + 1));
            for (int e = 0; e < k; e++) {
                int target;
                do {
                    target = random.nextInt(below);
                } while (contains(chosen, e, target));
                chosen[e] = target;
            }
            recipes.add(recipe(ids, i, chosen, k, sbu(random), 1 + random.nextInt(8)));
        }
        return book("synthetic-wide-" + n, recipes);
    }

    /** A single chain: each package requires the one before it; 1 SBU and one core each. */
    public static Book chain(int n) {
        requirePositive(n);
        String[] ids = ids(n);
        List<Recipe> recipes = new ArrayList<>(n);
        int[] previous = new int[1];
        for (int i = 0; i < n; i++) {
            previous[0] = i - 1;
            recipes.add(recipe(ids, i, previous, i == 0 ? 0 : 1, 1.0, 1));
        }
        return book("synthetic-chain-" + n, recipes);
    }

    /** The id of the i-th package: {@code p000123}. */
    public static String id(int i) {
        return String.format("p%06d", i);
    }

    /**
     * An LFS-like build size in SBU, one decimal: 75 % between 0.1 and 0.5, 20 % between 0.5 and
     * 1.0, 5 % between 1 and 10 (log-uniform, so the long builds are rare).
     */
    public static double sbu(SplittableRandom random) {
        double u = random.nextDouble();
        double value;
        if (u < 0.75) {
            value = 0.1 + 0.4 * random.nextDouble();
        } else if (u < 0.95) {
            value = 0.5 + 0.5 * random.nextDouble();
        } else {
            value = Math.pow(10, random.nextDouble());
        }
        return Math.max(0.1, Math.round(value * 10) / 10.0);
    }

    private static Recipe recipe(String[] ids, int i, int[] targets, int count, double sbu, int parallelJobs) {
        String id = ids[i];
        Location location = new Location(SOURCE, i + 1, 0);
        List<Dependency> required = new ArrayList<>(count);
        for (int e = 0; e < count; e++) {
            required.add(new Dependency(
                    ids[targets[e]],
                    VersionConstraint.ANY,
                    DependencyClass.REQUIRED,
                    location,
                    "depends.required[" + e + "]"));
        }
        return new Recipe(
                id,
                id,
                "1.0",
                List.of(),
                Map.of(DependencyClass.REQUIRED, required),
                sbu,
                parallelJobs,
                Resources.DEFAULT,
                Map.of(),
                Map.of(),
                Map.of(),
                location);
    }

    private static Book book(String name, List<Recipe> recipes) {
        return new Book(SOURCE, name, Profile.DEFAULT.name(), Map.of(Profile.DEFAULT.name(), Profile.DEFAULT), recipes);
    }

    private static String[] ids(int n) {
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = id(i);
        }
        return ids;
    }

    private static boolean contains(int[] values, int count, int value) {
        for (int i = 0; i < count; i++) {
            if (values[i] == value) {
                return true;
            }
        }
        return false;
    }

    private static void requirePositive(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("need at least one package, got " + n);
        }
    }
}
