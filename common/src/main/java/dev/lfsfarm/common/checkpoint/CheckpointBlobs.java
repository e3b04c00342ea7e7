package dev.lfsfarm.common.checkpoint;

import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.proto.v1.Digest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Downloads of a checkpoint's blobs where a missing or corrupt blob is a problem of the checkpoint
 * (reported) rather than an error, while a coordinator that cannot be reached still is one.
 */
final class CheckpointBlobs {
    private final ArtifactClient artifacts;

    CheckpointBlobs(ArtifactClient artifacts) {
        this.artifacts = artifacts;
    }

    /**
     * Downloads {@code digest} to {@code file}, verified against it. A blob that is missing or does
     * not match adds a problem to {@code problems} and returns false; other server answers throw.
     */
    boolean fetch(Digest digest, Path file, String what, List<String> problems) throws IOException {
        try {
            artifacts.download(digest, file);
            return true;
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code != Status.Code.NOT_FOUND && code != Status.Code.DATA_LOSS && code != Status.Code.OUT_OF_RANGE) {
                throw e;
            }
            problems.add(what + " sha256:" + digest.getSha256() + ": "
                    + e.getStatus().getDescription());
        } catch (IOException e) {
            problems.add(what + " sha256:" + digest.getSha256() + ": " + e.getMessage());
        }
        return false;
    }
}
