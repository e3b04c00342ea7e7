package dev.lfsfarm.common.checkpoint;

import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.artifact.ArtifactExtractor;
import dev.lfsfarm.common.files.FileTrees;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.CheckpointEntry;
import dev.lfsfarm.proto.v1.EntryType;
import dev.lfsfarm.proto.v1.Manifest;
import dev.lfsfarm.proto.v1.ManifestEntry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Unpacks a checkpoint's system into a folder: downloads its artifacts (each checked against its
 * sha256 by {@link ArtifactClient}) and unpacks them in the recorded order, so a later package's
 * file replaces an earlier one's. {@link ArtifactExtractor} refuses absolute paths, {@code ..} and
 * links leading out of the folder. Whether the folder may be written to is the caller's decision.
 */
public final class CheckpointRestorer {
    private final ArtifactClient artifacts;

    public CheckpointRestorer(ArtifactClient artifacts) {
        this.artifacts = artifacts;
    }

    /** Restores {@code checkpoint} into {@code target} (created if missing) and describes what is there now. */
    public RestoreSummary restore(Checkpoint checkpoint, Path target) throws IOException {
        Files.createDirectories(target);
        Map<String, ManifestEntry> tree = new HashMap<>();
        Path scratch = Files.createTempDirectory("farm-restore-");
        try {
            for (CheckpointEntry e : checkpoint.getEntriesList()) {
                Path artifact = scratch.resolve("artifact.tar.gz");
                artifacts.download(e.getArtifact(), artifact);
                try (InputStream in = Files.newInputStream(artifact)) {
                    ArtifactExtractor.extract(in, target);
                } catch (IOException x) {
                    throw new IOException(
                            "cannot unpack " + e.getPackageId() + " " + e.getVersion() + " into " + target + ": "
                                    + x.getMessage(),
                            x);
                }
                Files.delete(artifact);
                if (!e.getManifest().getSha256().isEmpty()) {
                    Path manifest = scratch.resolve("manifest.pb");
                    artifacts.download(e.getManifest(), manifest);
                    Manifest.parseFrom(Files.readAllBytes(manifest))
                            .getEntriesList()
                            .forEach(m -> tree.put(m.getPath(), m));
                    Files.delete(manifest);
                }
            }
        } finally {
            FileTrees.deleteRecursively(scratch);
        }
        return summary(checkpoint.getEntriesCount(), tree.values());
    }

    private static RestoreSummary summary(int packages, Iterable<ManifestEntry> tree) {
        long files = 0;
        long dirs = 0;
        long links = 0;
        long bytes = 0;
        for (ManifestEntry m : tree) {
            if (m.getType() == EntryType.ENTRY_TYPE_FILE) {
                files++;
                bytes += m.getSizeBytes();
            } else if (m.getType() == EntryType.ENTRY_TYPE_DIRECTORY) {
                dirs++;
            } else if (m.getType() == EntryType.ENTRY_TYPE_SYMLINK) {
                links++;
            }
        }
        return new RestoreSummary(packages, files, dirs, links, bytes);
    }
}
