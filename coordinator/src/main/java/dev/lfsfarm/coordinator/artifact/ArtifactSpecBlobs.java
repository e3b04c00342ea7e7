package dev.lfsfarm.coordinator.artifact;

import dev.lfsfarm.coordinator.state.SpecBlobs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Build requests kept as ordinary blobs of the (shared) artifact store. */
public final class ArtifactSpecBlobs implements SpecBlobs {
    private final ArtifactStore store;

    public ArtifactSpecBlobs(ArtifactStore store) {
        this.store = store;
    }

    @Override
    public String put(byte[] bytes) throws IOException {
        return store.put(new ByteArrayInputStream(bytes), null, bytes.length).getSha256();
    }

    @Override
    public byte[] get(String sha256) throws IOException {
        try (InputStream in = store.open(sha256)) {
            return in.readAllBytes();
        }
    }
}
