package dev.lfsfarm.cli.plan;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.recipe.Recipe;
import dev.lfsfarm.common.report.ScheduleJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

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

    static void json(ResolvedGraph graph, PrintWriter out) {
        try (JsonGenerator json = ScheduleJson.generator(out)) {
            json.writeStartObject();
            json.writeArrayFieldStart("targets");
            for (String t : graph.targets()) {
                json.writeString(t);
            }
            json.writeEndArray();
            writeEnabledOptional(json, graph);
            json.writeArrayFieldStart("packages");
            for (int i = 0; i < graph.size(); i++) {
                writePackage(json, graph, i);
            }
            json.writeEndArray();
            ScheduleJson.writeDroppedEdges(json, graph.droppedEdges());
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println();
    }

    /** Optional dependencies the profile turned on, so the file orders the build as the book did. */
    private static void writeEnabledOptional(JsonGenerator json, ResolvedGraph graph) throws IOException {
        java.util.SortedSet<String> enabled = new java.util.TreeSet<>();
        for (int i = 0; i < graph.size(); i++) {
            int[] deps = graph.dependencies(i);
            for (int k = 0; k < deps.length; k++) {
                if (graph.dependencyClass(i, k) == DependencyClass.OPTIONAL) {
                    enabled.add(graph.id(deps[k]));
                }
            }
        }
        json.writeArrayFieldStart("enabled_optional");
        for (String id : enabled) {
            json.writeString(id);
        }
        json.writeEndArray();
    }

    private static void writePackage(JsonGenerator json, ResolvedGraph graph, int i) throws IOException {
        Recipe r = graph.recipe(i);
        json.writeStartObject();
        json.writeStringField("id", r.id());
        json.writeStringField("name", r.name());
        json.writeStringField("version", r.version());
        json.writeNumberField("sbu", r.sbu());
        json.writeNumberField("parallel_jobs", r.parallelJobs());
        json.writeNumberField("memory_mb", r.resources().memoryMb());
        Map<DependencyClass, List<String>> byClass = new EnumMap<>(DependencyClass.class);
        int[] deps = graph.dependencies(i);
        for (int k = 0; k < deps.length; k++) {
            byClass.computeIfAbsent(graph.dependencyClass(i, k), c -> new ArrayList<>())
                    .add(graph.id(deps[k]));
        }
        for (int rt : graph.runtime(i)) {
            byClass.computeIfAbsent(DependencyClass.RUNTIME, c -> new ArrayList<>())
                    .add(graph.id(rt));
        }
        for (DependencyClass c : new DependencyClass[] {
            DependencyClass.REQUIRED, DependencyClass.RECOMMENDED, DependencyClass.OPTIONAL, DependencyClass.RUNTIME
        }) {
            json.writeArrayFieldStart(c.key());
            for (String id : byClass.getOrDefault(c, List.of())) {
                json.writeString(id);
            }
            json.writeEndArray();
        }
        json.writeEndObject();
    }

    private static String quote(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
