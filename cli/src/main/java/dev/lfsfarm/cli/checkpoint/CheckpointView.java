package dev.lfsfarm.cli.checkpoint;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.CheckpointEntry;
import java.util.List;

/**
 * A checkpoint as {@code create}, {@code list} and {@code show} print it. {@code upto} is null for
 * a whole build; {@code entries} is left out by {@code list}; {@code created} (whether this call
 * recorded it) only by {@code create}.
 */
record CheckpointView(
        String name,
        String buildId,
        String upto,
        String book,
        String createdAt,
        int packageCount,
        long artifactBytes,
        String entryList,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<Entry> entries,
        @JsonInclude(JsonInclude.Include.NON_NULL) Boolean created) {

    /** One package of the checkpoint, in restore order. */
    record Entry(String id, String version, String artifact, long artifactBytes, String manifest, long manifestBytes) {
        static Entry of(CheckpointEntry e) {
            return new Entry(
                    e.getPackageId(),
                    e.getVersion(),
                    e.getArtifact().getSha256(),
                    e.getArtifact().getSizeBytes(),
                    e.getManifest().getSha256(),
                    e.getManifest().getSizeBytes());
        }
    }

    /** The view of {@code c}, with its entries or without, and {@code created} when it is not null. */
    static CheckpointView of(Checkpoint c, boolean withEntries, Boolean created) {
        return new CheckpointView(
                c.getName(),
                c.getBuildId(),
                c.getUpto().isEmpty() ? null : c.getUpto(),
                c.getBookName(),
                ProtoTime.instant(c.getCreatedAt()).toString(),
                c.getPackageCount(),
                c.getArtifactBytes(),
                c.getEntryList().getSha256(),
                withEntries ? c.getEntriesList().stream().map(Entry::of).toList() : null,
                created);
    }
}
