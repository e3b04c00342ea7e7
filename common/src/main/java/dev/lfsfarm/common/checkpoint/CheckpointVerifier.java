package dev.lfsfarm.common.checkpoint;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.artifact.ArtifactExtractor;
import dev.lfsfarm.common.artifact.ManifestDifference;
import dev.lfsfarm.common.artifact.ManifestVerifier;
import dev.lfsfarm.common.files.FileTrees;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.CheckpointEntry;
import dev.lfsfarm.proto.v1.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks every artifact of a checkpoint: downloads it and its manifest through ArtifactService,
 * checks both against their sha256, unpacks the artifact into a temporary folder and compares
 * every file, folder and symlink with the manifest. Every problem is reported, none thrown; only a
 * coordinator that cannot be reached (or a local I/O failure) is an exception.
 */
public final class CheckpointVerifier {
    private final CheckpointBlobs blobs;

    public CheckpointVerifier(ArtifactClient artifacts) {
        this.blobs = new CheckpointBlobs(artifacts);
    }

    /** One verification per entry, in the checkpoint's order. */
    public List<EntryVerification> verify(Checkpoint checkpoint) throws IOException {
        List<EntryVerification> found = new ArrayList<>();
        for (CheckpointEntry e : checkpoint.getEntriesList()) {
            found.add(new EntryVerification(e, check(e)));
        }
        return found;
    }

    /** Every problem with one entry; empty when its artifact matches its digest and its manifest. */
    public List<String> check(CheckpointEntry e) throws IOException {
        List<String> problems = new ArrayList<>();
        Path scratch = Files.createTempDirectory("farm-verify-");
        try {
            Path artifact = scratch.resolve("artifact.tar.gz");
            if (!blobs.fetch(e.getArtifact(), artifact, "artifact", problems)) {
                return problems;
            }
            Manifest manifest = manifest(e, scratch, problems);
            if (manifest == null) {
                return problems;
            }
            Path tree = scratch.resolve("tree");
            try (InputStream in = Files.newInputStream(artifact)) {
                ArtifactExtractor.extract(in, tree);
            } catch (IOException x) {
                problems.add("cannot unpack the artifact: " + x.getMessage());
                return problems;
            }
            for (ManifestDifference d : ManifestVerifier.verify(manifest, tree)) {
                problems.add(d.toString());
            }
            return problems;
        } finally {
            FileTrees.deleteRecursively(scratch);
        }
    }

    /** The entry's manifest, checked against its digest and naming the entry's artifact; null (with a problem) otherwise. */
    private Manifest manifest(CheckpointEntry e, Path scratch, List<String> problems) throws IOException {
        if (e.getManifest().getSha256().isEmpty()) {
            problems.add("no manifest was recorded for this artifact; its files cannot be checked");
            return null;
        }
        Path file = scratch.resolve("manifest.pb");
        if (!blobs.fetch(e.getManifest(), file, "manifest", problems)) {
            return null;
        }
        Manifest manifest;
        try {
            manifest = Manifest.parseFrom(Files.readAllBytes(file));
        } catch (InvalidProtocolBufferException x) {
            problems.add(
                    "the manifest sha256:" + e.getManifest().getSha256() + " is not a manifest: " + x.getMessage());
            return null;
        }
        if (manifest.hasArtifact() && !manifest.getArtifact().equals(e.getArtifact())) {
            problems.add("the manifest describes artifact sha256:"
                    + manifest.getArtifact().getSha256() + ", not sha256:"
                    + e.getArtifact().getSha256());
            return null;
        }
        return manifest;
    }
}
