package dev.lfsfarm.cli.plan;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.common.graph.DroppedEdge;
import dev.lfsfarm.common.graph.ResolvedGraph;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code farm graph}: the resolved dependency graph as Graphviz DOT or JSON. */
@Command(
        name = "graph",
        mixinStandardHelpOptions = true,
        description = {
            "Print the resolved dependency graph of a build as Graphviz DOT or JSON.",
            "It holds the packages the targets need under the profile and the edges between them;",
            "the JSON output is itself a graph file (docs/reference/graph-format.md)."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm graph examples/demo --format dot | dot -Tsvg > demo.svg",
            "  farm graph examples/demo kvtool --format json",
            "  farm graph --graph examples/lfs-chapter8.json gcc -f json > gcc.json",
        })
public final class GraphCommand implements Callable<Integer> {
    /** Output formats of {@code farm graph}. */
    public enum Format {
        DOT,
        JSON
    }

    @Spec
    CommandSpec spec;

    @Mixin
    GraphSource source;

    @Option(
            names = {"-f", "--format"},
            paramLabel = "FORMAT",
            defaultValue = "dot",
            description = "dot or json (default: ${DEFAULT-VALUE}).")
    Format format;

    @Override
    public Integer call() throws Exception {
        ResolvedGraph graph = source.resolve();
        var out = spec.commandLine().getOut();
        for (DroppedEdge d : graph.droppedEdges()) {
            spec.commandLine().getErr().println("farm: " + d);
        }
        spec.commandLine().getErr().flush();
        if (format == Format.JSON) {
            GraphWriter.json(graph, out);
        } else {
            GraphWriter.dot(source.book().name(), graph, out);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
