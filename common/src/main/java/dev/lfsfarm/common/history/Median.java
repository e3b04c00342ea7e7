package dev.lfsfarm.common.history;

import java.util.Arrays;

/** The median of a few figures (the mean of the middle two for an even count). */
final class Median {
    private Median() {}

    static double of(double[] values, int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("the median of nothing");
        }
        double[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        return count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
    }
}
