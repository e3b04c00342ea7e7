package dev.lfsfarm.common.recipe;

import java.util.Map;

/**
 * Values a recipe gets when it does not set them: from farm.yaml's {@code defaults}, else built in.
 *
 * @param sbu estimated SBU (built in: 0.1, as for graph files)
 * @param parallelJobs cores a build can use (built in: 1)
 * @param resources memory and disk (built in: 512 MiB, 0)
 * @param labels worker labels required
 * @param env extra environment
 */
public record RecipeDefaults(
        double sbu, int parallelJobs, Resources resources, Map<String, String> labels, Map<String, String> env) {
    public static final double DEFAULT_SBU = 0.1;
    public static final RecipeDefaults BUILT_IN =
            new RecipeDefaults(DEFAULT_SBU, 1, Resources.DEFAULT, Map.of(), Map.of());

    public RecipeDefaults {
        labels = Map.copyOf(labels);
        env = Map.copyOf(env);
    }
}
