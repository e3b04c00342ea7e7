package dev.lfsfarm.coordinator.state;

import static dev.lfsfarm.coordinator.state.Checkpoints.summary;
import static dev.lfsfarm.coordinator.state.Checkpoints.withEntries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.proto.v1.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint registry of the file state store: one small file per checkpoint, surviving a reopen. */
class FileCheckpointRegistryTest {
    @TempDir
    Path dir;

    @Test
    void checkpointsSurviveAReopenOldestFirstAndWithoutEntries() throws Exception {
        try (FileBuildStateStore store = new FileBuildStateStore(dir)) {
            store.saveCheckpoint(withEntries(summary("chapter8", 200, 'c')));
            store.saveCheckpoint(summary("chapter7", 100, 'd'));
            store.saveCheckpoint(summary("also-at-200", 200, 'e'));
        }

        try (FileBuildStateStore reopened = new FileBuildStateStore(dir)) {
            assertThat(reopened.listCheckpoints())
                    .extracting(Checkpoint::getName)
                    .containsExactly("chapter7", "also-at-200", "chapter8");
            assertThat(reopened.findCheckpoint("chapter8")).contains(summary("chapter8", 200, 'c'));
            assertThat(reopened.findCheckpoint("chapter6")).isEmpty();
            assertThat(reopened.specBlobs())
                    .as("requests are kept in spec.pb files, not the artifact store")
                    .isEmpty();
        }
        Path file = dir.resolve("checkpoints/chapter8.pb");
        assertThat(Files.size(file))
                .as("the entries of 1,000 packages live in the artifact store")
                .isLessThan(1024);
        try (Stream<Path> files = Files.list(dir.resolve("checkpoints"))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .as("no temporary file is left behind")
                    .containsExactlyInAnyOrder("chapter7.pb", "chapter8.pb", "also-at-200.pb");
        }
    }

    @Test
    void aNameIsUsedOnceAndDeletingTellsWhetherThereWasOne() {
        try (FileBuildStateStore store = new FileBuildStateStore(dir)) {
            store.saveCheckpoint(summary("chapter7", 100, 'c'));

            assertThatThrownBy(() -> store.saveCheckpoint(summary("chapter7", 300, 'd')))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("chapter7 already exists");
            assertThat(store.findCheckpoint("chapter7")).contains(summary("chapter7", 100, 'c'));

            assertThat(store.deleteCheckpoint("chapter7")).isTrue();
            assertThat(store.deleteCheckpoint("chapter7")).isFalse();
            assertThat(store.listCheckpoints()).isEmpty();
            store.saveCheckpoint(summary("chapter7", 300, 'd'));
            assertThat(store.listCheckpoints()).containsExactly(summary("chapter7", 300, 'd'));
        }
    }

    @Test
    void namesThatCouldLeaveTheFolderAreRefused() {
        try (FileBuildStateStore store = new FileBuildStateStore(dir)) {
            for (String bad : new String[] {"..", ".", "../escape", "a/b", ""}) {
                assertThatThrownBy(() -> store.saveCheckpoint(summary(bad, 1, 'c')))
                        .as(bad)
                        .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> store.deleteCheckpoint(bad))
                        .as(bad)
                        .isInstanceOf(IllegalArgumentException.class);
            }
            assertThat(dir.resolve("escape.pb")).doesNotExist();
        }
    }
}
