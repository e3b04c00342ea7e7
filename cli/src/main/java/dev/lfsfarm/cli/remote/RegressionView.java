package dev.lfsfarm.cli.remote;

import dev.lfsfarm.proto.v1.Regression;

/** A run slower than its history allows, as the build and history JSON print it. */
public record RegressionView(double factor, double threshold, double expectedSeconds, int samples) {
    static RegressionView of(Regression r) {
        return new RegressionView(r.getFactor(), r.getThreshold(), r.getExpectedSeconds(), r.getSamples());
    }
}
