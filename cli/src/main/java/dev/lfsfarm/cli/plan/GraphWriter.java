package dev.lfsfarm.cli.plan;

import dev.lfsfarm.cli.remote.JsonViews;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.recipe.Recipe;
import java.io.PrintWriter;

/** Writes a resolved graph as DOT (edge style by class) or as a graph file in JSON. */
final class GraphWriter {
    private GraphWriter() {}

    static void dot(String name, ResolvedGraph graph, PrintWriter out) {
        out.println("digraph \"" + quote(name) + "\" {");
        out.println("  rankdir=LR;");
        out.println("  node [shape=box, fontname=\"sans-serif\", fontsize=10];");
        out.println("  // an edge points from a package to what it depends on");
        for (int i = 0; i < graph.size(); i++) {
            Recipe r = graph.recipe(i);
            out.printf(
                    java.util.Locale.ROOT,
                    "  \"%s\" [label=\"%s\\n%s · %s SBU\"];%n",
                    quote(r.id()),
                    quote(r.id()),
                    quote(r.version()),
                    r.sbu());
        }
        for (int i = 0; i < graph.size(); i++) {
            int[] deps = graph.dependencies(i);
            for (int k = 0; k < deps.length; k++) {
                DependencyClass c = graph.dependencyClass(i, k);
                String style = switch (c) {
                    case REQUIRED -> "solid";
                    case RECOMMENDED -> "dashed";
                    default -> "dotted";
                };
                out.printf(
                        "  \"%s\" -> \"%s\" [style=%s, label=\"%s\"];%n",
                        quote(graph.id(i)), quote(graph.id(deps[k])), style, c.key());
            }
            for (int r : graph.runtime(i)) {
                out.printf(
                        "  \"%s\" -> \"%s\" [style=dotted, color=gray, label=\"runtime\"];%n",
                        quote(graph.id(i)), quote(graph.id(r)));
            }
        }
        out.println("}");
    }

    /** The graph file: {@link GraphFile} as JSON, read back by {@code --graph}. */
    static void json(ResolvedGraph graph, PrintWriter out) {
        JsonViews.write(out, GraphFile.of(graph));
    }

    private static String quote(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
