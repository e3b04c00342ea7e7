package dev.lfsfarm.common.graph;

import dev.lfsfarm.common.recipe.DependencyClass;

/** A dependency edge: {@code from} depends on {@code to}, so {@code to} is built first (for ordering classes). */
public record Edge(String from, String to, DependencyClass dependencyClass) {
    @Override
    public String toString() {
        return from + " -(" + dependencyClass.key() + ")-> " + to;
    }
}
