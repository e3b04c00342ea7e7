package dev.lfsfarm.coordinator.artifact;

import com.google.protobuf.Timestamp;
import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.ArtifactKind;
import dev.lfsfarm.proto.v1.ArtifactServiceGrpc;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.DownloadRequest;
import dev.lfsfarm.proto.v1.DownloadResponse;
import dev.lfsfarm.proto.v1.FindMissingRequest;
import dev.lfsfarm.proto.v1.FindMissingResponse;
import dev.lfsfarm.proto.v1.GetActionResultRequest;
import dev.lfsfarm.proto.v1.GetActionResultResponse;
import dev.lfsfarm.proto.v1.UpdateActionResultRequest;
import dev.lfsfarm.proto.v1.UpdateActionResultResponse;
import dev.lfsfarm.proto.v1.UploadHeader;
import dev.lfsfarm.proto.v1.UploadRequest;
import dev.lfsfarm.proto.v1.UploadResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ArtifactService} over an {@link ArtifactStore}: the blob store and the action cache as
 * workers and the CLI see them. Status codes and their meaning follow the comments in
 * {@code farm/v1/artifact_service.proto}; descriptions name the digest or key concerned.
 * Store I/O failures answer UNAVAILABLE (retryable), a full disk RESOURCE_EXHAUSTED.
 */
public final class ArtifactServiceImpl extends ArtifactServiceGrpc.ArtifactServiceImplBase {

    /** Largest Upload data chunk and Download chunk, bytes. */
    public static final int MAX_CHUNK = 1024 * 1024;
    /** Most digests one FindMissing may ask about. */
    public static final int MAX_FIND_MISSING = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactServiceImpl.class);

    private final ArtifactStore store;
    private final Clock clock;

    public ArtifactServiceImpl(ArtifactStore store) {
        this(store, Clock.systemUTC());
    }

    /** @param clock sets {@code ActionResult.created_at} */
    public ArtifactServiceImpl(ArtifactStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public void findMissing(FindMissingRequest request, StreamObserver<FindMissingResponse> responses) {
        if (request.getDigestsCount() > MAX_FIND_MISSING) {
            responses.onError(invalid(
                    "FindMissing takes at most " + MAX_FIND_MISSING + " digests, got " + request.getDigestsCount()));
            return;
        }
        Set<Digest> missing = new LinkedHashSet<>();
        for (int i = 0; i < request.getDigestsCount(); i++) {
            Digest digest = request.getDigests(i);
            String problem = digestProblem(digest, "digests[" + i + "]");
            if (problem != null) {
                responses.onError(invalid(problem));
                return;
            }
            if (!store.contains(digest)) {
                missing.add(digest);
            }
        }
        responses.onNext(FindMissingResponse.newBuilder().addAllMissing(missing).build());
        responses.onCompleted();
    }

    @Override
    public StreamObserver<UploadRequest> upload(StreamObserver<UploadResponse> responses) {
        return new Upload(responses);
    }

    @Override
    public void download(DownloadRequest request, StreamObserver<DownloadResponse> responses) {
        Digest digest = request.getDigest();
        String problem = request.hasDigest() ? digestProblem(digest, "digest") : "Download request has no digest";
        if (problem != null) {
            responses.onError(invalid(problem));
            return;
        }
        if (!store.contains(digest)) {
            responses.onError(notFound(digest));
            return;
        }
        long size = digest.getSizeBytes();
        long offset = request.getOffset();
        long limit = request.getLimit();
        if (offset > size) {
            responses.onError(Status.OUT_OF_RANGE
                    .withDescription("offset " + offset + " is beyond the end of " + Sha256.describe(digest))
                    .asRuntimeException());
            return;
        }
        if (limit > 0 && limit > size - offset) {
            responses.onError(Status.OUT_OF_RANGE
                    .withDescription("offset " + offset + " + limit " + limit + " exceeds the size of "
                            + Sha256.describe(digest))
                    .asRuntimeException());
            return;
        }
        long end = limit == 0 ? size : offset + limit;
        Optional<Path> path = store.path(digest.getSha256());
        FileChannel channel;
        try {
            channel = FileChannel.open(
                    path.orElseThrow(() -> new NoSuchFileException(digest.getSha256())), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            responses.onError(notFound(digest));
            return;
        } catch (IOException e) {
            responses.onError(storeFailure("Download of " + Sha256.describe(digest), e));
            return;
        }
        ServerCallStreamObserver<DownloadResponse> call = (ServerCallStreamObserver<DownloadResponse>) responses;
        BlobDownload download = new BlobDownload(store, call, digest, channel, offset, end);
        call.setOnCancelHandler(download::cancel);
        call.setOnReadyHandler(download::pump);
        download.pump();
    }

    @Override
    public void getActionResult(GetActionResultRequest request, StreamObserver<GetActionResultResponse> responses) {
        String key = request.getActionKey();
        if (!Sha256.isValid(key)) {
            responses.onError(invalid("action_key must be 64 lower-case hex characters, got '" + key + "'"));
            return;
        }
        Optional<ActionResult> result;
        try {
            result = store.getAction(key);
        } catch (IOException e) {
            responses.onError(storeFailure("GetActionResult " + key, e));
            return;
        }
        if (result.isEmpty()) {
            responses.onError(Status.NOT_FOUND
                    .withDescription("no action cache entry for key " + key)
                    .asRuntimeException());
            return;
        }
        for (Digest digest :
                new Digest[] {result.get().getArtifact(), result.get().getManifest()}) {
            if (!store.contains(digest)) {
                responses.onError(Status.NOT_FOUND
                        .withDescription("action cache entry for key " + key + " refers to " + Sha256.describe(digest)
                                + ", which is no longer in the store")
                        .asRuntimeException());
                return;
            }
        }
        responses.onNext(
                GetActionResultResponse.newBuilder().setResult(result.get()).build());
        responses.onCompleted();
    }

    @Override
    public void updateActionResult(
            UpdateActionResultRequest request, StreamObserver<UpdateActionResultResponse> responses) {
        if (!request.hasResult()) {
            responses.onError(invalid("UpdateActionResult request has no result"));
            return;
        }
        ActionResult result = request.getResult();
        String key = result.getActionKey();
        if (!Sha256.isValid(key)) {
            responses.onError(invalid("result.action_key must be 64 lower-case hex characters, got '" + key + "'"));
            return;
        }
        String problem = !result.hasArtifact()
                ? "result.artifact is not set"
                : !result.hasManifest()
                        ? "result.manifest is not set"
                        : digestProblem(result.getArtifact(), "result.artifact");
        if (problem == null) {
            problem = digestProblem(result.getManifest(), "result.manifest");
        }
        if (problem != null) {
            responses.onError(invalid(problem));
            return;
        }
        for (String field : new String[] {"artifact", "manifest"}) {
            Digest digest = field.equals("artifact") ? result.getArtifact() : result.getManifest();
            if (!store.contains(digest)) {
                responses.onError(Status.FAILED_PRECONDITION
                        .withDescription("result." + field + " "
                                + Sha256.describe(digest)
                                + " is not in the store; upload it before recording the action "
                                + key)
                        .asRuntimeException());
                return;
            }
        }
        Instant now = clock.instant();
        ActionResult stamped = result.toBuilder()
                .setCreatedAt(
                        Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .build();
        try {
            boolean created = store.putAction(key, stamped);
            ActionResult stored = created
                    ? stamped
                    : store.getAction(key)
                            .orElseThrow(() -> new IOException(
                                    "action cache entry " + key + " vanished right after a concurrent write"));
            LOG.debug("action {} {}", key, created ? "recorded" : "already recorded");
            responses.onNext(UpdateActionResultResponse.newBuilder()
                    .setResult(stored)
                    .setCreated(created)
                    .build());
            responses.onCompleted();
        } catch (IOException e) {
            responses.onError(storeFailure("UpdateActionResult " + key, e));
        }
    }

    /** One Upload call: header first, then chunks into a Sink, verified and published on completion. */
    private final class Upload implements StreamObserver<UploadRequest> {
        private final StreamObserver<UploadResponse> responses;
        private UploadHeader header;
        private ArtifactStore.Sink sink;
        private boolean finished;

        Upload(StreamObserver<UploadResponse> responses) {
            this.responses = responses;
        }

        @Override
        public void onNext(UploadRequest request) {
            if (finished) {
                return; // answered already (e.g. already_present); the client stops sending
            }
            try {
                switch (request.getContentCase()) {
                    case HEADER:
                        onHeader(request.getHeader());
                        break;
                    case DATA:
                        onData(request);
                        break;
                    default:
                        fail(invalid("Upload message has neither header nor data"));
                }
            } catch (IOException e) {
                fail(storeFailure(describe(), e));
            }
        }

        private void onHeader(UploadHeader h) throws IOException {
            if (header != null) {
                fail(invalid("Upload of " + Sha256.describe(header.getDigest())
                        + ": a later message is a header; only the first message may be one"));
                return;
            }
            String problem = h.hasDigest() ? digestProblem(h.getDigest(), "header.digest") : "header.digest is not set";
            if (problem == null
                    && (h.getKind() == ArtifactKind.ARTIFACT_KIND_UNSPECIFIED
                            || h.getKind() == ArtifactKind.UNRECOGNIZED)) {
                problem = "header.kind is not set (ARTIFACT_KIND_UNSPECIFIED)";
            }
            if (problem != null) {
                fail(invalid("Upload: " + problem));
                return;
            }
            header = h;
            if (store.contains(h.getDigest())) {
                LOG.debug("upload of {} from '{}': already present", Sha256.describe(h.getDigest()), h.getOrigin());
                respond(true);
                return;
            }
            sink = store.openSink();
        }

        private void onData(UploadRequest request) throws IOException {
            if (header == null) {
                fail(invalid("Upload: the first message must be a header, got data"));
                return;
            }
            int length = request.getData().size();
            if (length == 0 || length > MAX_CHUNK) {
                fail(invalid(describe() + ": a data chunk must hold 1 byte to 1 MiB, got " + length + " bytes"));
                return;
            }
            long expected = header.getDigest().getSizeBytes();
            if (sink.size() + length > expected) {
                fail(invalid(describe() + ": received " + (sink.size() + length)
                        + " bytes, more than header.digest.size_bytes"));
                return;
            }
            sink.write(request.getData());
        }

        @Override
        public void onError(Throwable t) {
            if (sink != null) {
                sink.abort();
            }
            if (!finished) {
                finished = true;
                LOG.debug("{} ended by the client: {}", describe(), Status.fromThrowable(t));
            }
        }

        @Override
        public void onCompleted() {
            if (finished) {
                return;
            }
            if (header == null) {
                fail(invalid("Upload stream ended without a header"));
                return;
            }
            try {
                Digest want = header.getDigest();
                ArtifactStore.Stored stored = sink.commit(want.getSha256(), want.getSizeBytes());
                LOG.debug(
                        "upload of {} from '{}': {}",
                        Sha256.describe(want),
                        header.getOrigin(),
                        stored.created() ? "stored" : "already present");
                respond(!stored.created());
            } catch (DigestMismatchException e) {
                fail(Status.DATA_LOSS
                        .withDescription(describe() + ": " + e.getMessage())
                        .asRuntimeException());
            } catch (IOException e) {
                fail(storeFailure(describe(), e));
            }
        }

        private void respond(boolean alreadyPresent) {
            finished = true;
            responses.onNext(UploadResponse.newBuilder()
                    .setDigest(header.getDigest())
                    .setAlreadyPresent(alreadyPresent)
                    .build());
            responses.onCompleted();
        }

        private void fail(StatusRuntimeException status) {
            finished = true;
            if (sink != null) {
                sink.abort();
            }
            responses.onError(status);
        }

        private String describe() {
            return header == null ? "Upload" : "Upload of " + Sha256.describe(header.getDigest());
        }
    }

    /** Why a Digest is malformed, or null when it is well-formed. */
    private static String digestProblem(Digest digest, String field) {
        if (!Sha256.isValid(digest.getSha256())) {
            return field + ".sha256 must be 64 lower-case hex characters, got '" + digest.getSha256() + "'";
        }
        return null;
    }

    private static StatusRuntimeException invalid(String description) {
        return Status.INVALID_ARGUMENT.withDescription(description).asRuntimeException();
    }

    private static StatusRuntimeException notFound(Digest digest) {
        return Status.NOT_FOUND
                .withDescription("blob " + Sha256.describe(digest) + " is not in the store")
                .asRuntimeException();
    }

    static StatusRuntimeException storeFailure(String what, IOException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("No space left on device") || message.contains("Disk quota exceeded")) {
            return Status.RESOURCE_EXHAUSTED
                    .withDescription(what + ": the artifact store is full (" + message + ")")
                    .withCause(e)
                    .asRuntimeException();
        }
        LOG.warn("{}: artifact store I/O error", what, e);
        return Status.UNAVAILABLE
                .withDescription(what + ": artifact store I/O error: " + e)
                .withCause(e)
                .asRuntimeException();
    }
}
