package dev.lfsfarm.coordinator.state;

import com.google.protobuf.Timestamp;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.CheckpointEntry;
import dev.lfsfarm.proto.v1.Digest;

/** Checkpoint summaries for the registry tests. */
final class Checkpoints {
    private Checkpoints() {}

    static Digest digest(char hex, long size) {
        return Digest.newBuilder()
                .setSha256(String.valueOf(hex).repeat(64))
                .setSizeBytes(size)
                .build();
    }

    /** A summary of 1,000 packages, created at {@code second}, whose entry list is blob {@code hex}. */
    static Checkpoint summary(String name, long second, char hex) {
        return Checkpoint.newBuilder()
                .setName(name)
                .setBuildId("b-" + second)
                .setUpto("gcc")
                .setCreatedAt(Timestamp.newBuilder().setSeconds(second))
                .setEntryList(digest(hex, 180_000))
                .setPackageCount(1000)
                .setArtifactBytes(5L << 30)
                .setBookName("lfs-12.3")
                .setCreatedEpoch(7)
                .build();
    }

    /** The same summary with entries, which a registry must not store. */
    static Checkpoint withEntries(Checkpoint summary) {
        Checkpoint.Builder b = summary.toBuilder();
        for (int i = 0; i < 1000; i++) {
            b.addEntries(CheckpointEntry.newBuilder()
                    .setPackageId("pkg-" + i)
                    .setVersion("1." + i)
                    .setArtifact(digest('a', i))
                    .setManifest(digest('b', i)));
        }
        return b.build();
    }
}
