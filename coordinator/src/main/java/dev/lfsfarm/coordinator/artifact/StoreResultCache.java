package dev.lfsfarm.coordinator.artifact;

import dev.lfsfarm.coordinator.dispatch.ResultCache;
import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/** The dispatcher's view of the artifact store: an action-cache hit counts only if its artifact is still there. */
public final class StoreResultCache implements ResultCache {
    private final ArtifactStore store;

    public StoreResultCache(ArtifactStore store) {
        this.store = store;
    }

    @Override
    public Optional<ActionResult> lookup(String actionKey) {
        try {
            return store.getAction(actionKey).filter(r -> store.contains(r.getArtifact()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the action cache: " + e.getMessage(), e);
        }
    }

    @Override
    public void record(ActionResult result) {
        try {
            store.putAction(result.getActionKey(), result);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the action cache: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean hasBlob(String sha256) {
        return store.contains(sha256);
    }

    @Override
    public boolean putBlob(Digest digest, byte[] bytes) throws IOException {
        if (store.contains(digest)) {
            return true;
        }
        try {
            store.put(new ByteArrayInputStream(bytes), digest.getSha256(), digest.getSizeBytes());
            return true;
        } catch (DigestMismatchException e) {
            return false;
        }
    }
}
