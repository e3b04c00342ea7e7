package dev.lfsfarm.worker.agent;

import com.google.protobuf.ByteString;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.artifact.ArtifactExtractor;
import dev.lfsfarm.common.artifact.ArtifactPacker;
import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.common.files.FileTrees;
import dev.lfsfarm.common.input.Location;
import dev.lfsfarm.common.recipe.Phase;
import dev.lfsfarm.common.recipe.Source;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.proto.v1.ArtifactKind;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.FailureKind;
import dev.lfsfarm.proto.v1.LogChunk;
import dev.lfsfarm.proto.v1.Manifest;
import dev.lfsfarm.proto.v1.RecipeSource;
import dev.lfsfarm.proto.v1.StagedArtifact;
import dev.lfsfarm.proto.v1.WorkerMessage;
import dev.lfsfarm.worker.execute.AttemptLog;
import dev.lfsfarm.worker.execute.ExecutionSettings;
import dev.lfsfarm.worker.execute.PhaseEnvironment;
import dev.lfsfarm.worker.execute.PhaseRunner;
import dev.lfsfarm.worker.execute.PhaseSequence;
import dev.lfsfarm.worker.execute.SequenceResult;
import dev.lfsfarm.worker.execute.Workspace;
import dev.lfsfarm.worker.execute.WorkspacePool;
import dev.lfsfarm.worker.source.ChecksumMismatchException;
import dev.lfsfarm.worker.source.SourceFetcher;
import dev.lfsfarm.worker.source.Unpacker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds one assigned package: fetch and verify sources, stage the artifacts of every dependency
 * into the sysroot, unpack the first source, run the phases in the clean environment, pack and
 * upload DESTDIR as an artifact with its manifest, and report. Each step's failure becomes a
 * result with a precise failure kind; nothing here throws past {@link #run()}.
 */
final class AttemptRunner {
    private static final Logger log = LoggerFactory.getLogger(AttemptRunner.class);
    /**
     * Artifacts with no entries (packages that install nothing, such as BLFS's meta-packages):
     * staging them is a no-op, so it is skipped after the first time. Keyed by content digest,
     * so the memo can never be wrong. Concurrent: every slot's build thread reads and adds.
     */
    private static final Set<String> EMPTY_ARTIFACTS = ConcurrentHashMap.newKeySet();

    /** Where results and log bytes go (the agent, which owns the connection). */
    interface Reporter {
        /** Streams log bytes; may block while the connection is busy. */
        void log(LogChunk chunk) throws InterruptedException;
    }

    private final Assign assign;
    private final WorkerSettings settings;
    private final ExecutionSettings execution;
    private final ArtifactTransfers artifacts;
    private final SourceFetcher fetcher;
    private final Reporter reporter;
    private final WorkspacePool workspaces;
    private final BooleanSupplier inlineAccepted;
    /** Atomic: the log pump of each phase advances it. */
    private final AtomicLong logOffset = new AtomicLong();
    /** Volatile: set by the build thread, read by {@link #cancel()} from the stream's thread. */
    private volatile PhaseSequence sequence;
    /** Volatile: set by {@link #cancel()} from any thread, read by the build thread. */
    private volatile boolean cancelled;
    /**
     * Volatile: written by the agent under its attempts lock (an adopting Welcome), read there and
     * by the build thread.
     */
    private volatile long epoch;
    /** Confined to the build thread: {@link #run()} and {@link #removeWorkspace()} run on it. */
    private Workspace workspace;
    /** Confined to the build thread, as {@link #workspace}. */
    private boolean succeeded;

    AttemptRunner(
            Assign assign,
            WorkerSettings settings,
            ExecutionSettings execution,
            ArtifactTransfers artifacts,
            SourceFetcher fetcher,
            Reporter reporter,
            WorkspacePool workspaces,
            BooleanSupplier inlineAccepted) {
        this.assign = assign;
        this.settings = settings;
        this.execution = execution;
        this.artifacts = artifacts;
        this.fetcher = fetcher;
        this.reporter = reporter;
        this.workspaces = workspaces;
        this.inlineAccepted = inlineAccepted;
        this.epoch = assign.getLeaderEpoch();
    }

    String attemptId() {
        return assign.getAttemptId();
    }

    /**
     * The leader epoch this worker holds the attempt under: the Assign's, until a new leader adopts
     * the attempt after a failover (Welcome.adopted_attempt_ids); its result must then carry the
     * adopting leader's epoch, or that leader rejects it as stale.
     */
    long epoch() {
        return epoch;
    }

    /** A leader with {@code leaderEpoch} adopted this attempt. */
    void adoptedUnder(long leaderEpoch) {
        epoch = leaderEpoch;
    }

    Assign assign() {
        return assign;
    }

    /** Stops the attempt: the running phase's whole process tree is killed. */
    void cancel() {
        cancelled = true;
        PhaseSequence running = sequence;
        if (running != null) {
            running.cancel();
        }
    }

    /**
     * Runs the attempt to the end and returns its result; call {@link #removeWorkspace()} after it.
     * The result's epoch is the one the attempt was held under when it started; the agent stamps
     * the current {@link #epoch()} when it sends it, since a failover can happen while it runs.
     */
    AttemptResult run() {
        Instant started = settings.clock().instant();
        AttemptResult.Builder result = AttemptResult.newBuilder()
                .setAttemptId(assign.getAttemptId())
                .setEpoch(epoch)
                .setActionKey(assign.getActionKey())
                .setStartedAt(ProtoTime.timestamp(started));
        try {
            workspace = workspaces.acquire(assign.getAttemptId());
            succeeded = build(workspace, result);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(result, FailureKind.FAILURE_KIND_WORKER_ERROR, "interrupted: the worker is shutting down");
        } catch (RuntimeException | IOException e) {
            log.error("attempt {} failed inside the worker", assign.getAttemptId(), e);
            fail(result, FailureKind.FAILURE_KIND_WORKER_ERROR, "worker error: " + e);
        }
        if (cancelled && !succeeded) {
            result.setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED);
        }
        return result.setFinishedAt(ProtoTime.timestamp(settings.clock().instant()))
                .setLogSizeBytes(logOffset.get())
                .build();
    }

    /**
     * Recycles the workspace of the finished attempt, or keeps a failed one when configured. Called
     * on the same thread after {@link #run()}, once the result is sent: the slot's next package
     * need not wait for the clean-up.
     */
    void removeWorkspace() {
        if (workspace != null && workspaces.release(workspace, succeeded)) {
            log.info("kept the workspace of failed attempt {} at {}", assign.getAttemptId(), workspace.root());
        }
        workspace = null;
    }

    private boolean build(Workspace workspace, AttemptResult.Builder result) throws IOException, InterruptedException {
        Map<String, Boolean> directories = new HashMap<>();
        List<Source> sources = sources(directories);
        List<Path> staged;
        try {
            staged = fetcher.stage(sources, workspace, source -> pathSource(source, directories.get(source.path())));
        } catch (ChecksumMismatchException e) {
            return fail(result, FailureKind.FAILURE_KIND_SOURCE_CHECKSUM_MISMATCH, e.getMessage());
        } catch (IOException e) {
            return fail(result, FailureKind.FAILURE_KIND_SOURCE_FETCH_FAILED, "fetching sources: " + e.getMessage());
        }
        try {
            stageDependencies(workspace.sysroot());
        } catch (IOException | RuntimeException e) {
            return fail(result, FailureKind.FAILURE_KIND_STAGING_FAILED, "staging dependencies: " + e.getMessage());
        }
        Optional<Path> first = Unpacker.firstUnpackable(staged);
        if (first.isPresent() && execution.runAs().isPresent()) {
            execution.runAs().get().own(workspace.src()); // tar runs as the build user, who must own src/
        }
        Path buildDir = first.isPresent()
                ? Unpacker.unpackFirst(first.get(), workspace.src(), execution.runAs())
                : workspace.src();
        if (cancelled) {
            return fail(result, FailureKind.FAILURE_KIND_UNSPECIFIED, "cancelled before the phases started");
        }
        SequenceResult phases = runPhases(workspace, buildDir);
        result.setMeasurements(phases.toProto().toBuilder().setDiskUsedBytes(diskUsed(workspace)))
                .setExitCode(phases.exitCode())
                .setLogTail(phases.logTail());
        if (!phases.succeeded()) {
            String phase = phases.failed().map(Phase::key).orElse("");
            result.setFailedPhase(phase);
            return fail(
                    result,
                    FailureKind.FAILURE_KIND_PHASE_FAILED,
                    phases.cancelled() ? "cancelled" : "phase " + phase + " exited with status " + phases.exitCode());
        }
        try {
            upload(workspace, result);
        } catch (IOException | RuntimeException e) {
            return fail(result, FailureKind.FAILURE_KIND_UPLOAD_FAILED, "uploading the artifact: " + e.getMessage());
        }
        result.setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED);
        return true;
    }

    private SequenceResult runPhases(Workspace workspace, Path buildDir) throws IOException, InterruptedException {
        Map<Phase, String> phases = new EnumMap<>(Phase.class);
        assign.getRecipe().getPhasesMap().forEach((k, v) -> phases.put(Phase.valueOf(k.toUpperCase(Locale.ROOT)), v));
        PhaseEnvironment env = PhaseEnvironment.of(
                workspace,
                Math.max(1, assign.getCores()),
                assign.getProfileEnvMap(),
                assign.getRecipe().getEnvMap());
        long cap = assign.getLogCapBytes() > 0 ? assign.getLogCapBytes() : AttemptLog.DEFAULT_CAP_BYTES;
        try (AttemptLog attemptLog = new AttemptLog(workspace.log(), cap, this::streamLog)) {
            PhaseRunner runner = new PhaseRunner(execution, workspace, assign.getAttemptId(), attemptLog);
            // The coordinator knows this worker's calibration; the worker's own flag is the fallback.
            sequence = new PhaseSequence(
                    runner, assign.getSecondsPerSbu() > 0 ? assign.getSecondsPerSbu() : settings.secondsPerSbu());
            if (cancelled) {
                sequence.cancel();
            }
            return sequence.run(phases, assign.getSkipCheck(), buildDir, env, Math.max(1, assign.getCores()));
        }
    }

    /** Disk the build used: sources, build tree, DESTDIR and scratch space, not the staged sysroot. */
    private static long diskUsed(Workspace workspace) {
        long bytes = 0;
        for (Path dir : new Path[] {workspace.src(), workspace.sources(), workspace.dest(), workspace.tmp()}) {
            try {
                bytes += FileTrees.sizeOf(dir);
            } catch (IOException e) {
                log.debug("cannot measure {}: {}", dir, e.getMessage());
            }
        }
        return bytes;
    }

    private void streamLog(byte[] chunk, Phase phase) throws InterruptedException {
        long offset = logOffset.getAndAdd(chunk.length);
        reporter.log(LogChunk.newBuilder()
                .setAttemptId(assign.getAttemptId())
                .setOffset(offset)
                .setData(ByteString.copyFrom(chunk))
                .setPhase(phase.key())
                .build());
    }

    /** The recipe's sources in the domain model; path sources carry their upload digest. */
    private List<Source> sources(Map<String, Boolean> directories) {
        List<Source> sources = new ArrayList<>();
        Location at = Location.of(Path.of(assign.getPackageId()));
        for (RecipeSource s : assign.getRecipe().getSourcesList()) {
            if (!s.getUrl().isEmpty()) {
                sources.add(new Source(s.getUrl(), null, blank(s.getSha256()), blank(s.getMd5()), at));
            } else {
                directories.put(s.getPath(), s.getPathIsDirectory());
                sources.add(new Source(null, s.getPath(), s.getPathDigest().getSha256(), null, at));
            }
        }
        return sources;
    }

    /** A path source from the artifact store: a file as uploaded, or a folder unpacked once into the cache. */
    private Path pathSource(Source source, Boolean directory) throws IOException {
        RecipeSource proto = assign.getRecipe().getSourcesList().stream()
                .filter(s -> source.path().equals(s.getPath()))
                .findFirst()
                .orElseThrow();
        Path blob = download(proto.getPathDigest(), "blobs");
        if (!Boolean.TRUE.equals(directory)) {
            return blob;
        }
        Path tree = settings.workDir()
                .resolve("cache/trees")
                .resolve(proto.getPathDigest().getSha256());
        if (!Files.isDirectory(tree)) {
            Path temp = Files.createTempDirectory(Files.createDirectories(tree.getParent()), "unpack-");
            try (InputStream in = Files.newInputStream(blob)) {
                ArtifactExtractor.extract(in, temp);
            }
            try {
                Files.move(temp, tree, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                FileTrees.deleteRecursively(temp); // another attempt unpacked it first
            }
        }
        return tree;
    }

    /** Downloads a blob into the worker's cache once; later attempts reuse it. */
    private Path download(Digest digest, String kind) throws IOException {
        Path cached = settings.workDir().resolve("cache").resolve(kind).resolve(digest.getSha256());
        if (!Files.exists(cached)) {
            Files.createDirectories(cached.getParent());
            artifacts.download(digest, cached);
        }
        return cached;
    }

    private void stageDependencies(Path sysroot) throws IOException {
        for (StagedArtifact dependency : assign.getDependenciesList()) {
            String sha256 = dependency.getArtifact().getSha256();
            if (EMPTY_ARTIFACTS.contains(sha256)) {
                continue;
            }
            Path blob = download(dependency.getArtifact(), "artifacts");
            try (InputStream in = Files.newInputStream(blob)) {
                if (ArtifactExtractor.extract(in, sysroot) == 0) {
                    EMPTY_ARTIFACTS.add(sha256);
                }
            } catch (IOException e) {
                throw new IOException(dependency.getPackageId() + ": " + e.getMessage(), e);
            }
        }
    }

    private void upload(Workspace workspace, AttemptResult.Builder result) throws IOException {
        Path scratch = Files.createDirectories(workspace.root().resolve(".farm"));
        Path tar = scratch.resolve("artifact.tar.gz");
        Manifest manifest;
        try (OutputStream out = Files.newOutputStream(tar)) {
            manifest = ArtifactPacker.pack(workspace.dest(), out);
        }
        byte[] manifestBytes = manifest.toByteArray();
        Digest artifact;
        Digest manifestDigest;
        if (inlineAccepted.getAsBoolean()
                && Files.size(tar) <= ArtifactClient.INLINE_MAX_BYTES
                && manifestBytes.length <= ArtifactClient.INLINE_MAX_BYTES) {
            // Small: sent with the result, which saves a FindMissing round trip per package.
            byte[] tarBytes = Files.readAllBytes(tar);
            artifact = Sha256.digest(tarBytes);
            manifestDigest = Sha256.digest(manifestBytes);
            result.setArtifactInline(ByteString.copyFrom(tarBytes))
                    .setManifestInline(ByteString.copyFrom(manifestBytes));
            artifacts.sentInline(tarBytes.length + manifestBytes.length);
        } else {
            Path manifestFile = scratch.resolve("manifest.pb");
            Files.write(manifestFile, manifestBytes);
            List<Digest> digests = artifacts.upload(List.of(
                    new ArtifactClient.Upload(tar, ArtifactKind.ARTIFACT_KIND_PACKAGE),
                    new ArtifactClient.Upload(manifestFile, ArtifactKind.ARTIFACT_KIND_MANIFEST)));
            artifact = digests.get(0);
            manifestDigest = digests.get(1);
        }
        result.setArtifact(artifact)
                .setManifest(manifestDigest)
                .setMeasurements(result.getMeasurements().toBuilder().setArtifactSizeBytes(artifact.getSizeBytes()));
    }

    private static boolean fail(AttemptResult.Builder result, FailureKind kind, String reason) {
        result.setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
                .setFailureKind(kind)
                .setFailureReason(reason);
        return false;
    }

    private static String blank(String s) {
        return s.isEmpty() ? null : s;
    }

    static WorkerMessage message(LogChunk chunk) {
        return WorkerMessage.newBuilder().setLogChunk(chunk).build();
    }
}
