package dev.lfsfarm.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.proto.v1.Book;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.Recipe;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file state store: what was written is what a new instance reads back. */
class FileBuildStateStoreTest {

    @TempDir
    Path dir;

    private static SubmitBuildRequest spec(String bookName) {
        return SubmitBuildRequest.newBuilder()
                .setBook(Book.newBuilder()
                        .setName(bookName)
                        .addRecipes(Recipe.newBuilder().setId("a").setVersion("1"))
                        .addRecipes(Recipe.newBuilder().setId("b").setVersion("2")))
                .setSubmitter("alice")
                .setRequestId("r-" + bookName)
                .build();
    }

    private static PackageStatus pkg(String id, PackageState state) {
        return PackageStatus.newBuilder()
                .setPackageId(id)
                .setVersion("1")
                .setState(state)
                .build();
    }

    private static Build build(String id, BuildState state, PackageStatus... packages) {
        return Build.newBuilder()
                .setBuildId(id)
                .setState(state)
                .setBookName("book")
                .addAllPackages(List.of(packages))
                .build();
    }

    @Test
    void buildsSurviveAReopenWithTheNewestStateOfEachPackage() {
        Digest artifact =
                Digest.newBuilder().setSha256("ab".repeat(32)).setSizeBytes(42).build();
        try (FileBuildStateStore store = new FileBuildStateStore(dir)) {
            store.created(
                    spec("one"),
                    build(
                            "b-1",
                            BuildState.BUILD_STATE_QUEUED,
                            pkg("a", PackageState.PACKAGE_STATE_READY),
                            pkg("b", PackageState.PACKAGE_STATE_WAITING)));
            store.buildChanged(build("b-1", BuildState.BUILD_STATE_RUNNING));
            store.packagesChanged(
                    "b-1",
                    List.of(pkg("a", PackageState.PACKAGE_STATE_RUNNING).toBuilder()
                            .setAttemptId("1-1")
                            .setAttempts(1)
                            .build()));
            store.packagesChanged(
                    "b-1",
                    List.of(
                            pkg("a", PackageState.PACKAGE_STATE_SUCCEEDED).toBuilder()
                                    .setAttemptId("1-1")
                                    .setAttempts(1)
                                    .setArtifact(artifact)
                                    .build(),
                            pkg("b", PackageState.PACKAGE_STATE_READY)));
            store.buildChanged(build("b-1", BuildState.BUILD_STATE_RUNNING).toBuilder()
                    .setMessage("half way")
                    // a build's own record ignores any packages it carries
                    .addPackages(pkg("a", PackageState.PACKAGE_STATE_FAILED))
                    .build());
        }

        List<BuildStateStore.StoredBuild> loaded;
        try (FileBuildStateStore reopened = new FileBuildStateStore(dir)) {
            loaded = reopened.loadAll();
        }

        assertThat(loaded).singleElement().satisfies(stored -> {
            assertThat(stored.spec()).isEqualTo(spec("one"));
            Build b = stored.build();
            assertThat(b.getBuildId()).isEqualTo("b-1");
            assertThat(b.getState()).isEqualTo(BuildState.BUILD_STATE_RUNNING);
            assertThat(b.getMessage()).isEqualTo("half way");
            assertThat(b.getPackagesList())
                    .extracting(PackageStatus::getPackageId)
                    .containsExactly("a", "b");
            assertThat(b.getPackages(0).getState()).isEqualTo(PackageState.PACKAGE_STATE_SUCCEEDED);
            assertThat(b.getPackages(0).getArtifact()).isEqualTo(artifact);
            assertThat(b.getPackages(0).getAttemptId()).isEqualTo("1-1");
            assertThat(b.getPackages(1).getState()).isEqualTo(PackageState.PACKAGE_STATE_READY);
        });
    }

    @Test
    void severalBuildsAreLoadedInSubmitOrder() throws Exception {
        try (FileBuildStateStore store = new FileBuildStateStore(dir)) {
            store.created(
                    spec("one"),
                    build("b-zz", BuildState.BUILD_STATE_QUEUED, pkg("a", PackageState.PACKAGE_STATE_READY)));
            // Different modification times even on coarse file systems.
            Path first = dir.resolve("builds/b-zz/spec.pb");
            Files.setLastModifiedTime(
                    first,
                    java.nio.file.attribute.FileTime.fromMillis(
                            Files.getLastModifiedTime(first).toMillis() - 5000));
            store.created(
                    spec("two"),
                    build("b-aa", BuildState.BUILD_STATE_QUEUED, pkg("a", PackageState.PACKAGE_STATE_READY)));
            store.packagesChanged("b-zz", List.of(pkg("a", PackageState.PACKAGE_STATE_RUNNING)));
        }

        try (FileBuildStateStore reopened = new FileBuildStateStore(dir)) {
            List<BuildStateStore.StoredBuild> loaded = reopened.loadAll();
            assertThat(loaded).extracting(s -> s.build().getBuildId()).containsExactly("b-zz", "b-aa");
            assertThat(loaded.get(0).build().getPackages(0).getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING);
            assertThat(loaded.get(1).build().getPackages(0).getState()).isEqualTo(PackageState.PACKAGE_STATE_READY);
        }
    }

    @Test
    void writesAfterAReopenAppendToTheJournal() {
        try (FileBuildStateStore store = new FileBuildStateStore(dir)) {
            store.created(
                    spec("one"),
                    build("b-1", BuildState.BUILD_STATE_RUNNING, pkg("a", PackageState.PACKAGE_STATE_READY)));
        }
        try (FileBuildStateStore store = new FileBuildStateStore(dir)) {
            store.packagesChanged("b-1", List.of(pkg("a", PackageState.PACKAGE_STATE_RUNNING)));
            store.buildChanged(build("b-1", BuildState.BUILD_STATE_CANCELLING));
        }
        try (FileBuildStateStore store = new FileBuildStateStore(dir)) {
            Build b = store.loadAll().get(0).build();
            assertThat(b.getState()).isEqualTo(BuildState.BUILD_STATE_CANCELLING);
            assertThat(b.getPackagesList())
                    .singleElement()
                    .satisfies(p -> assertThat(p.getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING));
        }
    }

    @Test
    void anEmptyStoreLoadsNothing() {
        try (FileBuildStateStore store = new FileBuildStateStore(dir.resolve("fresh"))) {
            assertThat(store.loadAll()).isEmpty();
        }
    }

    @Test
    void theEpochGrowsAcrossInstances() {
        long first;
        long second;
        try (FileBuildStateStore store = new FileBuildStateStore(dir)) {
            first = store.nextEpoch();
            second = store.nextEpoch();
        }
        long third;
        try (FileBuildStateStore store = new FileBuildStateStore(dir)) {
            third = store.nextEpoch();
        }

        assertThat(first).isPositive();
        assertThat(second).isGreaterThan(first);
        assertThat(third).isGreaterThan(second);
    }

    @Test
    void aTornLastJournalRecordLosesOnlyThatRecord() throws Exception {
        try (FileBuildStateStore store = new FileBuildStateStore(dir)) {
            store.created(
                    spec("one"),
                    build("b-9", BuildState.BUILD_STATE_RUNNING, pkg("a", PackageState.PACKAGE_STATE_WAITING)));
            store.packagesChanged("b-9", java.util.List.of(pkg("a", PackageState.PACKAGE_STATE_SUCCEEDED)));
        }
        Path journal = dir.resolve("builds/b-9/journal");
        byte[] torn = pkg("a", PackageState.PACKAGE_STATE_FAILED).toByteArray();
        // a length prefix promising more bytes than follow: the record a crash cut short
        java.nio.file.Files.write(
                journal,
                new byte[] {(byte) (torn.length + 20), torn[0], torn[1]},
                java.nio.file.StandardOpenOption.APPEND);
        try (FileBuildStateStore reopened = new FileBuildStateStore(dir)) {
            var loaded = reopened.loadAll();
            assertThat(loaded).hasSize(1);
            assertThat(loaded.get(0).build().getPackages(0).getState()).isEqualTo(PackageState.PACKAGE_STATE_SUCCEEDED);
        }
    }

    private static dev.lfsfarm.proto.v1.AttemptRecord attempt(String pkg, int n) {
        return dev.lfsfarm.proto.v1.AttemptRecord.newBuilder()
                .setPackageId(pkg)
                .setAttemptId("1-" + n)
                .setWallSeconds(n)
                .setWorker("w")
                .build();
    }

    @Test
    void historyKeepsTheNewestRecordsPerPackageAndIsCompactedWhenItGrows() throws Exception {
        int written = 3 * BuildStateStore.HISTORY_KEPT;
        try (FileBuildStateStore store = new FileBuildStateStore(dir)) {
            dev.lfsfarm.proto.v1.PackageHistory.Builder h =
                    dev.lfsfarm.proto.v1.PackageHistory.newBuilder().setPackageId("a");
            for (int n = 1; n <= written; n++) {
                h.addRecords(attempt("a", n));
                store.historyChanged(h.build()); // appends only the newest record
            }
            store.historyChanged(dev.lfsfarm.proto.v1.PackageHistory.newBuilder()
                    .setPackageId("b")
                    .addRecords(attempt("b", 1))
                    .build());
            store.calibrated(dev.lfsfarm.proto.v1.WorkerCalibration.newBuilder()
                    .setWorker("w")
                    .setSecondsPerSbu(30)
                    .build());
            store.calibrated(dev.lfsfarm.proto.v1.WorkerCalibration.newBuilder()
                    .setWorker("w")
                    .setSecondsPerSbu(25)
                    .build());
        }
        long before = Files.size(dir.resolve("history"));
        try (FileBuildStateStore reopened = new FileBuildStateStore(dir)) {
            var histories = reopened.loadHistories();
            assertThat(histories).containsOnlyKeys("a", "b");
            assertThat(histories.get("a").getRecordsList())
                    .extracting(r -> (int) r.getWallSeconds())
                    .containsExactlyElementsOf(
                            java.util.stream.IntStream.rangeClosed(written - BuildStateStore.HISTORY_KEPT + 1, written)
                                    .boxed()
                                    .toList());
            assertThat(reopened.loadCalibrations())
                    .extracting(c -> c.getSecondsPerSbu())
                    .containsExactly(25.0);
        }
        assertThat(Files.size(dir.resolve("history")))
                .as("compacted to the kept records")
                .isLessThan(before / 2);
        try (FileBuildStateStore again = new FileBuildStateStore(dir)) {
            assertThat(again.loadHistories().get("a").getRecordsCount()).isEqualTo(BuildStateStore.HISTORY_KEPT);
        }
    }

    @Test
    void aTornHistoryTailLosesOnlyTheTornRecord() throws Exception {
        try (FileBuildStateStore store = new FileBuildStateStore(dir)) {
            store.historyChanged(dev.lfsfarm.proto.v1.PackageHistory.newBuilder()
                    .setPackageId("a")
                    .addRecords(attempt("a", 1))
                    .build());
        }
        Files.write(dir.resolve("history"), new byte[] {42, 7, 1}, java.nio.file.StandardOpenOption.APPEND);
        try (FileBuildStateStore reopened = new FileBuildStateStore(dir)) {
            assertThat(reopened.loadHistories().get("a").getRecordsList())
                    .extracting(r -> r.getAttemptId())
                    .containsExactly("1-1");
            reopened.historyChanged(dev.lfsfarm.proto.v1.PackageHistory.newBuilder()
                    .setPackageId("a")
                    .addRecords(attempt("a", 1))
                    .addRecords(attempt("a", 2))
                    .build());
        }
        try (FileBuildStateStore again = new FileBuildStateStore(dir)) {
            // what was appended after the torn record is read back: the tail was cut off at the load before
            assertThat(again.loadHistories().get("a").getRecordsList())
                    .extracting(r -> r.getAttemptId())
                    .containsExactly("1-1", "1-2");
        }
    }
}
