package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.proto.v1.StreamLogRequest;
import dev.lfsfarm.proto.v1.StreamLogResponse;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.util.Iterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code farm logs BUILD PKG [-f]}: a package's build log, raw bytes to stdout. */
@Command(
        name = "logs",
        mixinStandardHelpOptions = true,
        description = "Print a package's build log (the newest attempt); with -f keep printing until it ends.",
        footerHeading = "%nExamples:%n",
        footer = {"  farm logs 20261121-101500-3f2a gcc", "  farm logs 20261121-101500-3f2a gcc -f | tail -n 20"})
public final class LogsCommand extends RemoteCommand {

    @Parameters(index = "0", paramLabel = "BUILD", description = "Build id.")
    String buildId;

    @Parameters(index = "1", paramLabel = "PKG", description = "Package id.")
    String packageId;

    @Option(
            names = {"-f", "--follow"},
            description = "Keep streaming while the package builds.")
    boolean follow;

    @Option(
            names = "--offset",
            paramLabel = "BYTES",
            defaultValue = "0",
            description = "Start at this byte of the log.")
    long offset;

    /** Where the bytes go; tests replace it. */
    OutputStream sink = new FileOutputStream(FileDescriptor.out);

    @Override
    protected int run() throws Exception {
        out().flush();
        // After a failover the stream goes on where it broke: same attempt, next byte.
        String[] attempt = {""};
        long[] next = {offset};
        return remote((stub, ch) -> {
            Iterator<StreamLogResponse> chunks = stub.streamLog(StreamLogRequest.newBuilder()
                    .setBuildId(buildId)
                    .setPackageId(packageId)
                    .setAttemptId(attempt[0])
                    .setOffset(next[0])
                    .setFollow(follow)
                    .build());
            while (chunks.hasNext()) {
                StreamLogResponse chunk = chunks.next();
                if (chunk.getElidedBytes() > 0) {
                    sink.write(("[farm: " + chunk.getElidedBytes()
                                    + " earlier bytes of this log were dropped (log cap)]\n")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
                chunk.getData().writeTo(sink);
                attempt[0] = chunk.getAttemptId();
                if (!chunk.getData().isEmpty()) {
                    next[0] = chunk.getOffset() + chunk.getData().size();
                }
            }
            sink.flush();
            return ExitCodes.OK;
        });
    }
}
