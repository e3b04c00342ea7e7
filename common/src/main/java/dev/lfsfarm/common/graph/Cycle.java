package dev.lfsfarm.common.graph;

import java.util.List;

/** A dependency cycle, as the edges walked from its first package back to it. */
public record Cycle(List<Edge> edges) {

    public Cycle {
        edges = List.copyOf(edges);
    }

    /** Reads like {@code freetype2 -(recommended)-> harfbuzz -(required)-> freetype2}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(edges.get(0).from());
        for (Edge e : edges) {
            text.append(" -(").append(e.dependencyClass().key()).append(")-> ").append(e.to());
        }
        return text.toString();
    }
}
