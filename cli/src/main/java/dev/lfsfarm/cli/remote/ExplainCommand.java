package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.proto.v1.ExplainPendingRequest;
import dev.lfsfarm.proto.v1.PendingExplanation;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code farm explain BUILD PKG}: why is this package not running? */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = "Say why a package is not running: the dependencies it waits on, or what no worker offers.",
        footerHeading = "%nExamples:%n",
        footer = {"  farm explain 20261121-101500-3f2a gcc"})
public final class ExplainCommand extends RemoteCommand {

    @Mixin
    Output output;

    @Parameters(index = "0", paramLabel = "BUILD", description = "Build id.")
    String buildId;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PKG", description = "Package ids.")
    List<String> packages;

    @Override
    protected int run() throws Exception {
        List<PendingExplanation> explanations =
                remote((stub, ch) -> stub.explainPending(ExplainPendingRequest.newBuilder()
                                .setBuildId(buildId)
                                .addAllPackageIds(packages)
                                .build())
                        .getExplanationsList());
        var out = out();
        if (output.json()) {
            Output.json(out, json -> {
                json.writeStartObject();
                json.writeArrayFieldStart("packages");
                for (PendingExplanation e : explanations) {
                    json.writeStartObject();
                    json.writeStringField("id", e.getPackageId());
                    json.writeStringField("reason", e.getReasons(0).getMessage());
                    json.writeStringField(
                            "kind", e.getReasons(0).getKind().name().replace("PENDING_REASON_KIND_", ""));
                    json.writeEndObject();
                }
                json.writeEndArray();
                json.writeEndObject();
            });
        } else {
            explanations.forEach(
                    e -> out.println(e.getPackageId() + ": " + e.getReasons(0).getMessage()));
            out.flush();
        }
        return ExitCodes.OK;
    }
}
