package dev.lfsfarm.cli.checkpoint;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.remote.ViewCommand;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.checkpoint.CheckpointVerifier;
import dev.lfsfarm.common.checkpoint.EntryVerification;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code farm checkpoint verify}: every artifact of a checkpoint checked here by {@link CheckpointVerifier}. */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Check every artifact of a checkpoint against its digest and its manifest.",
            "Downloads every artifact and manifest here, checks each against its sha256,",
            "unpacks the artifact into a temporary folder and compares every file, folder",
            "and symlink with the manifest (type, mode, size, sha256, link target).",
            "Reports every problem; the exit status is 1 if there is any."
        },
        footerHeading = "%nExamples:%n",
        footer = {"  farm checkpoint verify lfs-ch7", "  farm checkpoint verify lfs-ch7 -o json"})
public final class VerifyCheckpointCommand extends ViewCommand<VerifyCheckpointCommand.Verification> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Checkpoint name.")
    String name;

    /** The JSON document: the verdict and what was found per package. */
    record Verification(String checkpoint, boolean ok, int packages, long failed, List<Result> results) {}

    /** What was found for one package; {@code problems} is empty when it is ok. */
    record Result(String id, String version, String artifact, boolean ok, List<String> problems) {
        static Result of(EntryVerification v) {
            return new Result(
                    v.entry().getPackageId(),
                    v.entry().getVersion(),
                    v.entry().getArtifact().getSha256(),
                    v.passed(),
                    v.problems());
        }
    }

    @Override
    protected Verification view() throws Exception {
        List<Result> results = remote((stub, channel) ->
                        new CheckpointVerifier(new ArtifactClient(channel)).verify(CheckpointCalls.get(channel, name)))
                .stream()
                .map(Result::of)
                .toList();
        long failed = results.stream().filter(r -> !r.ok()).count();
        return new Verification(name, failed == 0, results.size(), failed, results);
    }

    @Override
    protected void printText(Verification v, PrintWriter out) {
        for (Result r : v.results()) {
            out.printf(Locale.ROOT, "%-6s %s %s%n", r.ok() ? "ok" : "FAILED", r.id(), r.version());
            r.problems().forEach(p -> out.println("         " + p));
        }
        out.printf(
                Locale.ROOT,
                "Checkpoint %s: %d packages, %d verified, %d failed%n",
                v.checkpoint(),
                v.packages(),
                v.packages() - v.failed(),
                v.failed());
    }

    @Override
    protected int exitCode(Verification v) {
        return v.ok() ? ExitCodes.OK : ExitCodes.FAILURE;
    }
}
