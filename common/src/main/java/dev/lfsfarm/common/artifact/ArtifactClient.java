package dev.lfsfarm.common.artifact;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import com.google.protobuf.ByteString;
import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.ArtifactKind;
import dev.lfsfarm.proto.v1.ArtifactServiceGrpc;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.DownloadRequest;
import dev.lfsfarm.proto.v1.DownloadResponse;
import dev.lfsfarm.proto.v1.FindMissingRequest;
import dev.lfsfarm.proto.v1.GetActionResultRequest;
import dev.lfsfarm.proto.v1.UpdateActionResultRequest;
import dev.lfsfarm.proto.v1.UploadHeader;
import dev.lfsfarm.proto.v1.UploadRequest;
import dev.lfsfarm.proto.v1.UploadResponse;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blocking client of {@code ArtifactService}, shared by the worker (stage dependencies, upload
 * outputs) and the CLI (upload path sources). Streams in 1 MiB chunks and honours gRPC flow
 * control in both directions, so neither side holds a whole blob in memory, and verifies every
 * download against its digest before it becomes visible.
 *
 * <p>Errors: local file problems and digest mismatches are {@link IOException}s; failures the
 * server reports are {@link StatusRuntimeException}s carrying its status code and description
 * (the CLI maps those to messages and exit codes). No call is retried here.
 */
public final class ArtifactClient {

    /** Bytes per Upload data message (the protocol's maximum). */
    public static final int CHUNK_SIZE = 1024 * 1024;
    /**
     * The largest artifact or manifest a worker may send with its result instead of uploading it
     * (AttemptResult.artifact_inline), when the coordinator's Welcome says it accepts them.
     */
    public static final int INLINE_MAX_BYTES = 64 << 10;
    /** Deadline of the unary RPCs unless the constructor is given another. */
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofMinutes(1);

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactClient.class);

    private final ArtifactServiceGrpc.ArtifactServiceStub asyncStub;
    private final ArtifactServiceGrpc.ArtifactServiceBlockingStub blockingStub;
    private final String origin;
    private final Duration callTimeout;

    /** A client with the default unary deadline and no origin. */
    public ArtifactClient(Channel channel) {
        this(channel, "", DEFAULT_CALL_TIMEOUT);
    }

    /**
     * @param origin      sent in every UploadHeader, e.g. "worker pve1-ct101 attempt b-1/zlib/1"
     * @param callTimeout deadline of each unary RPC (FindMissing, GetActionResult,
     *                    UpdateActionResult); streams have none, since blobs can be large
     */
    public ArtifactClient(Channel channel, String origin, Duration callTimeout) {
        this.asyncStub = ArtifactServiceGrpc.newStub(channel);
        this.blockingStub = ArtifactServiceGrpc.newBlockingStub(channel);
        this.origin = origin;
        this.callTimeout = callTimeout;
    }

    /** The given digests the store lacks, each once, in request order. */
    public List<Digest> findMissing(Collection<Digest> digests) {
        return unary().findMissing(
                        FindMissingRequest.newBuilder().addAllDigests(digests).build())
                .getMissingList();
    }

    /**
     * Uploads {@code file} as a recipe path source ({@link ArtifactKind#ARTIFACT_KIND_SOURCE}, what
     * the CLI uploads at submit); see {@link #upload(Path, ArtifactKind)}. Workers name the kind.
     */
    public Digest upload(Path file) throws IOException {
        return upload(file, ArtifactKind.ARTIFACT_KIND_SOURCE);
    }

    /**
     * Uploads {@code file} unless the store already holds it (FindMissing first) and returns its
     * digest. A {@code DATA_LOSS} status means the file changed while it was read.
     */
    public Digest upload(Path file, ArtifactKind kind) throws IOException {
        return uploadAll(List.of(new Upload(file, kind))).get(0);
    }

    /** A file to upload and what it is. */
    public record Upload(Path file, ArtifactKind kind) {}

    /**
     * Uploads each file the store lacks, asking about all of them in one FindMissing (a worker's
     * artifact and manifest cost one round trip, not two), and returns their digests in order.
     */
    public List<Digest> uploadAll(List<Upload> uploads) throws IOException {
        List<Digest> digests = new ArrayList<>(uploads.size());
        for (Upload u : uploads) {
            digests.add(Sha256.digest(u.file()));
        }
        Set<Digest> missing = new HashSet<>(findMissing(digests));
        for (int i = 0; i < uploads.size(); i++) {
            Upload u = uploads.get(i);
            if (!missing.remove(digests.get(i))) {
                LOG.debug("{} already stored as {}", u.file(), Sha256.describe(digests.get(i)));
                continue;
            }
            UploadHeader header = UploadHeader.newBuilder()
                    .setDigest(digests.get(i))
                    .setKind(u.kind())
                    .setOrigin(origin)
                    .build();
            UploadCall call = new UploadCall(u.file(), header);
            asyncStub.upload(call);
            call.pump();
            UploadResponse response = call.await();
            LOG.debug(
                    "uploaded {} as {}{}",
                    u.file(),
                    Sha256.describe(digests.get(i)),
                    response.getAlreadyPresent() ? " (already present)" : "");
        }
        return digests;
    }

    /**
     * Downloads the blob {@code digest} to {@code to}: written to a temporary file next to it,
     * verified (SHA-256 and size), then moved into place, so {@code to} never holds a partial or
     * wrong blob.
     *
     * @throws IOException when the received bytes do not match the digest, or on local I/O failure
     */
    public void download(Digest digest, Path to) throws IOException {
        Path target = to.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".part");
        boolean moved = false;
        Context.CancellableContext context = Context.current().withCancellation();
        Context previous = context.attach();
        try {
            MessageDigest md = Sha256.newDigest();
            long received = 0;
            try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.WRITE)) {
                Iterator<DownloadResponse> chunks = blockingStub.download(
                        DownloadRequest.newBuilder().setDigest(digest).build());
                while (chunks.hasNext()) {
                    DownloadResponse chunk = chunks.next();
                    if (chunk.getOffset() != received) {
                        throw new IOException("download of " + Sha256.describe(digest) + ": server sent offset "
                                + chunk.getOffset() + ", expected " + received);
                    }
                    if (received + chunk.getData().size() > digest.getSizeBytes()) {
                        throw new IOException("download of " + Sha256.describe(digest) + ": server sent more than "
                                + digest.getSizeBytes() + " bytes");
                    }
                    chunk.getData().writeTo(out);
                    md.update(chunk.getData().asReadOnlyByteBuffer());
                    received += chunk.getData().size();
                }
            }
            String sha256 = Sha256.toHex(md.digest());
            if (received != digest.getSizeBytes() || !sha256.equals(digest.getSha256())) {
                throw new IOException("download of " + Sha256.describe(digest) + " received sha256:" + sha256 + " ("
                        + received + " bytes) instead");
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
        } finally {
            context.detach(previous);
            context.cancel(null);
            if (!moved) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** The action cache entry of {@code actionKey}, or empty on a cache miss (NOT_FOUND). */
    public Optional<ActionResult> getAction(String actionKey) {
        try {
            return Optional.of(unary().getActionResult(GetActionResultRequest.newBuilder()
                            .setActionKey(actionKey)
                            .build())
                    .getResult());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Records {@code result} under {@code actionKey} (its artifact and manifest must be uploaded
     * first, else FAILED_PRECONDITION). Returns true when this call created the entry, false when
     * one existed already (the first writer wins and is kept).
     */
    public boolean putAction(String actionKey, ActionResult result) {
        if (!result.getActionKey().isEmpty() && !result.getActionKey().equals(actionKey)) {
            throw new IllegalArgumentException(
                    "result carries action key " + result.getActionKey() + ", not " + actionKey);
        }
        ActionResult keyed = result.toBuilder().setActionKey(actionKey).build();
        return unary().updateActionResult(
                        UpdateActionResultRequest.newBuilder().setResult(keyed).build())
                .getCreated();
    }

    private ArtifactServiceGrpc.ArtifactServiceBlockingStub unary() {
        return blockingStub.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * One Upload call: sends the header, then the file in chunks whenever the transport is ready,
     * so a slow server never makes this side buffer the file.
     */
    private static final class UploadCall implements ClientResponseObserver<UploadRequest, UploadResponse> {
        private final Path file;
        private final UploadHeader header;
        private final CompletableFuture<UploadResponse> result = new CompletableFuture<>();
        /**
         * Set once by {@link #beforeStart}, before the call starts; volatile, because
         * {@link #await()} cancels through it from the caller's thread. Sends on it hold this.
         */
        private volatile ClientCallStreamObserver<UploadRequest> requests;

        // The on-ready handler and the response callbacks come from gRPC's threads: under this.
        @GuardedBy("this")
        private FileChannel channel;

        @GuardedBy("this")
        private boolean headerSent;

        @GuardedBy("this")
        private boolean done;

        @GuardedBy("this")
        private long sent;

        @GuardedBy("this")
        private IOException localFailure;

        @GuardedBy("this")
        private UploadResponse response;

        UploadCall(Path file, UploadHeader header) {
            this.file = file;
            this.header = header;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<UploadRequest> requestStream) {
            this.requests = requestStream;
            requestStream.setOnReadyHandler(this::pump);
        }

        /**
         * Sends while the transport is ready; called on every readiness change. Sends exactly the
         * announced number of bytes; if the file changed since it was hashed, the server answers
         * DATA_LOSS.
         */
        synchronized void pump() {
            if (done || requests == null) {
                return;
            }
            long size = header.getDigest().getSizeBytes();
            try {
                while (!done) {
                    if (headerSent && sent == size) {
                        finishSending(); // half-closing needs no readiness
                        return;
                    }
                    if (!requests.isReady()) {
                        return; // the on-ready handler calls again
                    }
                    if (!headerSent) {
                        channel = FileChannel.open(file, StandardOpenOption.READ);
                        requests.onNext(
                                UploadRequest.newBuilder().setHeader(header).build());
                        headerSent = true;
                        continue;
                    }
                    ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(CHUNK_SIZE, size - sent));
                    int n = channel.read(chunk);
                    if (n < 0) {
                        finishSending(); // the file shrank: the server reports the mismatch
                        return;
                    }
                    chunk.flip();
                    sent += n;
                    requests.onNext(UploadRequest.newBuilder()
                            .setData(ByteString.copyFrom(chunk))
                            .build());
                }
            } catch (IOException e) {
                done = true;
                localFailure = new IOException("reading " + file + " for upload failed after " + sent + " bytes", e);
                closeFile();
                requests.cancel("client could not read the file", e);
            }
        }

        @GuardedBy("this")
        private void finishSending() {
            done = true;
            closeFile();
            requests.onCompleted();
        }

        @Override
        public synchronized void onNext(UploadResponse value) {
            response = value;
            // The server may answer early (already_present): stop sending.
            done = true;
            closeFile();
        }

        @Override
        public synchronized void onError(Throwable t) {
            done = true;
            closeFile();
            result.completeExceptionally(localFailure != null ? localFailure : t);
        }

        @Override
        public synchronized void onCompleted() {
            done = true;
            closeFile();
            if (response == null) {
                result.completeExceptionally(Status.INTERNAL
                        .withDescription("Upload completed without a response")
                        .asRuntimeException());
            } else {
                result.complete(response);
            }
        }

        UploadResponse await() throws IOException {
            try {
                return result.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                requests.cancel("interrupted", e);
                throw new InterruptedIOException("upload of " + file + " interrupted");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof IOException) {
                    throw (IOException) cause;
                }
                if (cause instanceof RuntimeException) {
                    throw (RuntimeException) cause;
                }
                throw new IOException("upload of " + file + " failed", cause);
            }
        }

        @GuardedBy("this")
        private void closeFile() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    LOG.debug("closing {} failed", file, e);
                }
                channel = null;
            }
        }
    }
}
