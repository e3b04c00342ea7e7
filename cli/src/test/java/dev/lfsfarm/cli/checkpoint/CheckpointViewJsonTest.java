package dev.lfsfarm.cli.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Timestamp;
import dev.lfsfarm.cli.remote.JsonViews;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.CheckpointEntry;
import dev.lfsfarm.proto.v1.Digest;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The checkpoint views' JSON: snake_case names in component order, null where a value does not apply. */
class CheckpointViewJsonTest {
    private static final Checkpoint CHECKPOINT = Checkpoint.newBuilder()
            .setName("ch7")
            .setBuildId("b1")
            .setBookName("demo")
            .setCreatedAt(Timestamp.newBuilder().setSeconds(1_700_000_000))
            .setPackageCount(1)
            .setArtifactBytes(2048)
            .setEntryList(Digest.newBuilder().setSha256("e1").setSizeBytes(10))
            .addEntries(CheckpointEntry.newBuilder()
                    .setPackageId("zlib")
                    .setVersion("1.3")
                    .setArtifact(Digest.newBuilder().setSha256("a1").setSizeBytes(2048))
                    .setManifest(Digest.newBuilder().setSha256("m1").setSizeBytes(99)))
            .build();

    private static String json(Object view) {
        StringWriter text = new StringWriter();
        JsonViews.write(new PrintWriter(text), view);
        return text.toString();
    }

    @Test
    void createdCheckpointHasEntriesThenCreated() {
        assertEquals("""
                {
                  "name" : "ch7",
                  "build_id" : "b1",
                  "upto" : null,
                  "book" : "demo",
                  "created_at" : "2023-11-14T22:13:20Z",
                  "package_count" : 1,
                  "artifact_bytes" : 2048,
                  "entry_list" : "e1",
                  "entries" : [ {
                    "id" : "zlib",
                    "version" : "1.3",
                    "artifact" : "a1",
                    "artifact_bytes" : 2048,
                    "manifest" : "m1",
                    "manifest_bytes" : 99
                  } ],
                  "created" : true
                }
                """, json(CheckpointView.of(CHECKPOINT, true, true)));
    }

    @Test
    void listedCheckpointLeavesOutEntriesAndCreated() {
        assertEquals(
                """
                {
                  "checkpoints" : [ {
                    "name" : "ch7",
                    "build_id" : "b1",
                    "upto" : "zlib",
                    "book" : "demo",
                    "created_at" : "2023-11-14T22:13:20Z",
                    "package_count" : 1,
                    "artifact_bytes" : 2048,
                    "entry_list" : "e1"
                  } ]
                }
                """,
                json(new ListCheckpointsCommand.CheckpointList(java.util.List.of(
                        CheckpointView.of(CHECKPOINT.toBuilder().setUpto("zlib").build(), false, null)))));
    }

    @Test
    void emptyListsAreWrittenAsTheGeneratorWroteThem() {
        assertEquals("""
                {
                  "checkpoints" : [ ]
                }
                """, json(new ListCheckpointsCommand.CheckpointList(java.util.List.of())));
    }
}
