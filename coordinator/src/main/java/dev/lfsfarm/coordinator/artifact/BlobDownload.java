package dev.lfsfarm.coordinator.artifact;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import com.google.protobuf.UnsafeByteOperations;
import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.DownloadResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Download call: sends chunks only while the transport is ready (flow control), so a slow
 * client costs the server at most a chunk or two of memory, never the whole blob. A read of
 * the whole blob is verified on the way; a corrupt blob is removed and reported as DATA_LOSS.
 */
final class BlobDownload {
    private static final Logger LOG = LoggerFactory.getLogger(ArtifactServiceImpl.class);

    private final ArtifactStore store;
    private final ServerCallStreamObserver<DownloadResponse> call;
    private final Digest digest;
    private final FileChannel channel;
    private final long end;
    private final MessageDigest md;

    @GuardedBy("this")
    private long position;

    @GuardedBy("this")
    private boolean sentAny;

    @GuardedBy("this")
    private boolean done;

    BlobDownload(
            ArtifactStore store,
            ServerCallStreamObserver<DownloadResponse> call,
            Digest digest,
            FileChannel channel,
            long offset,
            long end) {
        this.store = store;
        this.call = call;
        this.digest = digest;
        this.channel = channel;
        this.position = offset;
        this.end = end;
        this.md = offset == 0 && end == digest.getSizeBytes() ? Sha256.newDigest() : null;
    }

    synchronized void pump() {
        try {
            while (!done) {
                if (position == end) {
                    // Completing needs no readiness: the status follows the queued chunks.
                    if (!sentAny) {
                        call.onNext(DownloadResponse.newBuilder()
                                .setOffset(position)
                                .build());
                    }
                    finish();
                    return;
                }
                if (!call.isReady()) {
                    return; // the on-ready handler calls again when the client wants more
                }
                ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(ArtifactServiceImpl.MAX_CHUNK, end - position));
                while (chunk.hasRemaining()) {
                    if (channel.read(chunk, position + chunk.position()) < 0) {
                        corrupt("it ends at byte " + (position + chunk.position()));
                        return;
                    }
                }
                chunk.flip();
                if (md != null) {
                    md.update(chunk.duplicate());
                }
                call.onNext(DownloadResponse.newBuilder()
                        .setOffset(position)
                        .setData(UnsafeByteOperations.unsafeWrap(chunk))
                        .build());
                position += chunk.remaining();
                sentAny = true;
            }
        } catch (IOException e) {
            close();
            call.onError(ArtifactServiceImpl.storeFailure("Download of " + Sha256.describe(digest), e));
        }
    }

    synchronized void cancel() {
        close();
    }

    private void finish() throws IOException {
        close();
        if (md != null) {
            String sha256 = Sha256.toHex(md.digest());
            if (!sha256.equals(digest.getSha256())) {
                corrupt("its content hashes to sha256:" + sha256);
                return;
            }
        }
        call.onCompleted();
    }

    private void corrupt(String why) throws IOException {
        close();
        store.remove(digest.getSha256());
        LOG.error("stored blob {} is corrupt ({}); removed it from the store", Sha256.describe(digest), why);
        call.onError(Status.DATA_LOSS
                .withDescription("stored blob " + Sha256.describe(digest) + " failed verification (" + why
                        + "); it was removed from the store, upload it again")
                .asRuntimeException());
    }

    private void close() {
        if (done) {
            return;
        }
        done = true;
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing {} failed", digest.getSha256(), e);
        }
    }
}
