package dev.lfsfarm.cli.remote;

import dev.lfsfarm.proto.v1.ExplainPendingRequest;
import dev.lfsfarm.proto.v1.PendingExplanation;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code farm explain BUILD PKG}: why is this package not running? */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = "Say why a package is not running: the dependencies it waits on, or what no worker offers.",
        footerHeading = "%nExamples:%n",
        footer = {"  farm explain 20261121-101500-3f2a gcc"})
public final class ExplainCommand extends ViewCommand<ExplainCommand.Explanations> {

    @Parameters(index = "0", paramLabel = "BUILD", description = "Build id.")
    String buildId;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PKG", description = "Package ids.")
    List<String> packages;

    /** The JSON document: why each package is not running. */
    record Explanations(List<Explanation> packages) {}

    /** One package's first reason and its kind. */
    record Explanation(String id, String reason, String kind) {}

    @Override
    protected Explanations view() throws Exception {
        List<PendingExplanation> explanations =
                remote((stub, ch) -> stub.explainPending(ExplainPendingRequest.newBuilder()
                                .setBuildId(buildId)
                                .addAllPackageIds(packages)
                                .build())
                        .getExplanationsList());
        return new Explanations(explanations.stream()
                .map(e -> new Explanation(
                        e.getPackageId(),
                        e.getReasons(0).getMessage(),
                        e.getReasons(0).getKind().name().replace("PENDING_REASON_KIND_", "")))
                .toList());
    }

    @Override
    protected void printText(Explanations view, PrintWriter out) {
        view.packages().forEach(e -> out.println(e.id() + ": " + e.reason()));
    }
}
