package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.Digest;
import java.io.IOException;
import java.util.Optional;

/** What the dispatcher needs of the artifact store: the action cache, and whether a blob is there. */
public interface ResultCache {
    /** The result recorded for an action key, if its artifact is still stored. */
    Optional<ActionResult> lookup(String actionKey);

    /** Records a result (the first one for a key wins). */
    void record(ActionResult result);

    /** Whether a blob with this sha256 is stored. */
    boolean hasBlob(String sha256);

    /**
     * Stores a blob a worker sent inline with its result, unless it is there already.
     *
     * @return false when the bytes do not match the digest (nothing is stored)
     * @throws IOException when they cannot be written
     */
    boolean putBlob(Digest digest, byte[] bytes) throws IOException;
}
