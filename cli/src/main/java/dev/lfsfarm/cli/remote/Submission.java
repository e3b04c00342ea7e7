package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.artifact.ArtifactPacker;
import dev.lfsfarm.common.graph.DependencyResolver;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.BookLoader;
import dev.lfsfarm.common.recipe.Recipe;
import dev.lfsfarm.common.recipe.Source;
import dev.lfsfarm.common.wire.BookMessages;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import io.grpc.Channel;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One build submission from the CLI: the book checked here (bad input never reaches the
 * coordinator), its path sources uploaded once by digest, the request sent, and optionally followed.
 * Shared by {@code farm submit} and {@code farm local}.
 */
public final class Submission {
    private final Book book;
    private final List<String> targets;
    private final String profile;
    private final boolean noCache;
    private final boolean breakCycles;
    /** For a calibration build: the one worker it runs on (SubmitBuildRequest.calibrate_worker); else null. */
    private final String calibrateWorker;
    /**
     * One id for every try of this submission: a retry after a failover (or a standby's redirect)
     * gets the same build instead of a second one.
     */
    private final String requestId = UUID.randomUUID().toString();

    private Submission(Book book, List<String> targets, String profile, boolean noCache, boolean breakCycles) {
        this(book, targets, profile, noCache, breakCycles, null);
    }

    private Submission(
            Book book,
            List<String> targets,
            String profile,
            boolean noCache,
            boolean breakCycles,
            String calibrateWorker) {
        this.book = book;
        this.targets = targets;
        this.profile = profile;
        this.noCache = noCache;
        this.breakCycles = breakCycles;
        this.calibrateWorker = calibrateWorker;
    }

    /** The same build as a calibration of {@code worker} (its own request id, so each worker gets its own build). */
    public Submission calibrating(String worker) {
        return new Submission(book, targets, profile, true, breakCycles, worker);
    }

    /** The request id every try of this submission carries. */
    public String requestId() {
        return requestId;
    }

    /** Loads and resolves the book locally; throws {@link InputException} (exit 2) on bad input. */
    public static Submission prepare(
            Path bookDir, List<String> targets, String profile, boolean noCache, boolean breakCycles)
            throws InputException {
        Book loaded = BookLoader.load(bookDir);
        new DependencyResolver(loaded, loaded.profile(profile), breakCycles).resolve(targets);
        return new Submission(loaded, List.copyOf(targets), profile, noCache, breakCycles);
    }

    /** Uploads the path sources and submits the build; safe to call again after a failure (same request id). */
    public SubmitBuildResponse submit(BuildServiceGrpc.BuildServiceBlockingStub stub, Channel channel)
            throws IOException {
        Map<String, BookMessages.PathUpload> uploads = upload(channel);
        SubmitBuildRequest.Builder request = SubmitBuildRequest.newBuilder()
                .setBook(BookMessages.toProto(book, uploads))
                .addAllTargets(targets)
                .setNoCache(noCache)
                .setBreakCycles(breakCycles)
                .setRequestId(requestId)
                .setSubmitter(System.getProperty("user.name", ""));
        if (profile != null) {
            request.setProfile(profile);
        }
        if (calibrateWorker != null) {
            request.setCalibrateWorker(calibrateWorker);
        }
        return stub.submitBuild(request.build());
    }

    /** Follows a submitted build to its end (progress on stderr) and returns it; {@code stub}'s channel is never swapped. */
    public static Build follow(
            BuildServiceGrpc.BuildServiceBlockingStub stub, SubmitBuildResponse response, PrintWriter err, boolean json)
            throws Exception {
        return follow(CoordinatorSession.over(stub.getChannel(), err), response, err, json);
    }

    /** Follows a submitted build to its end, across coordinator failovers. */
    static Build follow(CoordinatorSession session, SubmitBuildResponse response, PrintWriter err, boolean json)
            throws Exception {
        err.println("farm: build " + response.getBuildId() + " (" + response.getTotalPackages() + " packages)");
        err.flush();
        return new BuildFollower(session, err, System.console() != null && !json).follow(response.getBuildId());
    }

    /** Prints the finished build; exit 0 only when every package succeeded or was cached. */
    public static int report(Build result, PrintWriter out, boolean json) {
        BuildView view = BuildView.of(result, true);
        if (json) {
            JsonViews.write(out, view);
        } else {
            BuildText.printBuild(out, view);
        }
        return result.getState() == BuildState.BUILD_STATE_SUCCEEDED ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    /** Uploads each path source once: a file as it is, a folder as a deterministic tar.gz. */
    private Map<String, BookMessages.PathUpload> upload(Channel channel) throws IOException {
        ArtifactClient client = new ArtifactClient(channel);
        Map<String, BookMessages.PathUpload> uploads = new LinkedHashMap<>();
        for (Recipe recipe : book.recipes()) {
            for (Source source : recipe.sources()) {
                if (source.isUrl() || uploads.containsKey(source.path())) {
                    continue;
                }
                Path path = book.source().resolve(source.path()).normalize();
                if (Files.isDirectory(path)) {
                    Path tar = Files.createTempFile("farm-source-", ".tar.gz");
                    try {
                        try (OutputStream out = Files.newOutputStream(tar)) {
                            ArtifactPacker.pack(path, out);
                        }
                        uploads.put(source.path(), new BookMessages.PathUpload(client.upload(tar), true));
                    } finally {
                        Files.deleteIfExists(tar);
                    }
                } else {
                    uploads.put(source.path(), new BookMessages.PathUpload(client.upload(path), false));
                }
            }
        }
        return uploads;
    }
}
