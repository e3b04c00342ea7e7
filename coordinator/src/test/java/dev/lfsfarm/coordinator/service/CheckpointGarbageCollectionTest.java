package dev.lfsfarm.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import dev.lfsfarm.coordinator.artifact.ArtifactStore;
import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.CheckpointEntry;
import dev.lfsfarm.proto.v1.CheckpointServiceGrpc;
import dev.lfsfarm.proto.v1.CollectGarbageRequest;
import dev.lfsfarm.proto.v1.CollectGarbageResponse;
import dev.lfsfarm.proto.v1.CreateCheckpointRequest;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.GetCheckpointRequest;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CollectGarbage: what nothing references and is old enough goes; what a checkpoint, a build or
 * the registry references, and what is younger than the age limit, stays.
 */
class CheckpointGarbageCollectionTest {
    private static final String JUNK_KEY = "ac".repeat(32);

    @TempDir
    Path tmp;

    private TestFarm farm;
    private FakeWorker w1;

    @BeforeEach
    void start() throws Exception {
        farm = new TestFarm(tmp);
        w1 = farm.connected("w1");
    }

    @AfterEach
    void stop() throws Exception {
        if (farm != null) {
            farm.close();
        }
    }

    private CheckpointServiceGrpc.CheckpointServiceBlockingStub checkpoints() {
        return CheckpointServiceGrpc.newBlockingStub(farm.channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private Checkpoint create(String name, String buildId, String upto) {
        return checkpoints()
                .createCheckpoint(CreateCheckpointRequest.newBuilder()
                        .setName(name)
                        .setBuildId(buildId)
                        .setUpto(upto)
                        .build())
                .getCheckpoint();
    }

    private CollectGarbageResponse gc(CollectGarbageRequest.Builder request) {
        return checkpoints().collectGarbage(request.build());
    }

    private ArtifactStore store() {
        return farm.server().artifacts();
    }

    private Digest put(String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        return store().put(new ByteArrayInputStream(bytes), null, bytes.length);
    }

    /** Makes every blob in the store two hours old, so that only references protect them. */
    private void ageEverything() throws IOException {
        FileTime old = FileTime.from(Instant.now().minus(2, ChronoUnit.HOURS));
        try (Stream<Path> files = Files.walk(store().root().resolve("cas"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(f, old);
            }
        }
    }

    private Set<String> blobs() throws IOException {
        Set<String> all = new HashSet<>();
        store().forEachBlob(b -> all.add(b.sha256()));
        return all;
    }

    private static Set<String> outputs(Build build) {
        Set<String> digests = new HashSet<>();
        for (PackageStatus p : build.getPackagesList()) {
            digests.add(p.getArtifact().getSha256());
        }
        return digests;
    }

    @Test
    void removesOnlyOldUnreferencedBlobsAndTheCacheEntriesNamingThem() throws Exception {
        SubmitBuildRequest request = farm.request(CheckpointServiceTest::chainAndLoner);
        String id = farm.submit(request).getBuildId();
        Build build = CheckpointServiceTest.buildAll(farm, w1, id, 4);
        Checkpoint older = create("older", id, "b");
        Checkpoint newer = create("newer", id, "");
        Digest junk = put("a worker's upload whose result was refused");
        Digest leftover = put("a path source nobody submitted");
        store().putAction(
                        JUNK_KEY,
                        ActionResult.newBuilder()
                                .setActionKey(JUNK_KEY)
                                .setArtifact(junk)
                                .build());
        ageEverything();
        Digest young = put("uploaded a moment ago; its result is on the way");
        Set<String> before = blobs();

        CollectGarbageResponse dry =
                gc(CollectGarbageRequest.newBuilder().setKeepCheckpoints(1).setDryRun(true));

        assertThat(dry.getDryRun()).isTrue();
        assertThat(dry.getDeletedCheckpointsList()).containsExactly("older");
        assertThat(dry.getKeptCheckpointsList()).containsExactly("newer");
        assertThat(dry.getBlobsRemoved())
                .as("junk, leftover and the older checkpoint's entry list")
                .isEqualTo(3);
        assertThat(dry.getBytesFreed())
                .isEqualTo(junk.getSizeBytes()
                        + leftover.getSizeBytes()
                        + older.getEntryList().getSizeBytes());
        assertThat(dry.getActionCacheEntriesRemoved()).isEqualTo(1);
        assertThat(dry.getBlobsTooYoung()).isEqualTo(1);
        assertThat(dry.getMinAge())
                .isEqualTo(Duration.newBuilder().setSeconds(3600).build());
        assertThat(blobs()).as("a dry run deletes nothing").isEqualTo(before);
        assertThat(store().getAction(JUNK_KEY)).isPresent();
        assertThat(checkpoints()
                        .getCheckpoint(GetCheckpointRequest.newBuilder()
                                .setName("older")
                                .build()))
                .isNotNull();

        CollectGarbageResponse real = gc(CollectGarbageRequest.newBuilder().setKeepCheckpoints(1));

        assertThat(real.getDryRun()).isFalse();
        assertThat(real.getDeletedCheckpointsList()).containsExactly("older");
        assertThat(real.getBlobsRemoved()).isEqualTo(dry.getBlobsRemoved());
        assertThat(real.getBytesFreed()).isEqualTo(dry.getBytesFreed());
        assertThat(real.getActionCacheEntriesRemoved()).isEqualTo(1);
        assertThat(real.getBlobsReferenced())
                .as("the 4 artifacts and newer's entry list")
                .isEqualTo(before.size() - 4);
        Set<String> after = blobs();
        assertThat(after)
                .doesNotContain(
                        junk.getSha256(),
                        leftover.getSha256(),
                        older.getEntryList().getSha256())
                .contains(young.getSha256(), newer.getEntryList().getSha256())
                .containsAll(outputs(build));
        assertThat(store().getAction(JUNK_KEY))
                .as("the cache entry of a removed artifact")
                .isEmpty();
        assertThat(checkpoints()
                        .getCheckpoint(GetCheckpointRequest.newBuilder()
                                .setName("newer")
                                .build())
                        .getCheckpoint()
                        .getEntriesList())
                .extracting(CheckpointEntry::getPackageId)
                .containsExactly("a", "b", "c", "d");
        assertThatThrownBy(() -> checkpoints()
                        .getCheckpoint(GetCheckpointRequest.newBuilder()
                                .setName("older")
                                .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThat(farm.submit(request).getCreated()).as("the same book again").isTrue();
    }

    @Test
    void aKeptCheckpointProtectsItsArtifactsWhenNoBuildIsKnownAnyMore() throws Exception {
        String id =
                farm.submit(farm.request(CheckpointServiceTest::chainAndLoner)).getBuildId();
        Build build = CheckpointServiceTest.buildAll(farm, w1, id, 4);
        Checkpoint c = create("ch7", id, "b");
        // A coordinator whose build state is gone (a new --state-dir) but whose checkpoints and artifacts remain.
        farm.close();
        farm = null;
        deleteTree(tmp.resolve("state/builds"));
        farm = new TestFarm(tmp);
        ageEverything();
        List<String> inCheckpoint = new ArrayList<>();
        c.getEntriesList().forEach(e -> inCheckpoint.add(e.getArtifact().getSha256()));
        Set<String> notInCheckpoint = new HashSet<>(outputs(build));
        inCheckpoint.forEach(notInCheckpoint::remove);
        assertThat(farm.server().dispatcher().referencedDigests().get())
                .as("no build is known")
                .isEmpty();

        CollectGarbageResponse r =
                gc(CollectGarbageRequest.newBuilder().setKeepCheckpoints(5).setMinAge(Duration.getDefaultInstance()));

        assertThat(r.getKeptCheckpointsList()).containsExactly("ch7");
        assertThat(r.getDeletedCheckpointsList()).isEmpty();
        assertThat(blobs())
                .containsAll(inCheckpoint)
                .contains(c.getEntryList().getSha256())
                .doesNotContainAnyElementsOf(notInCheckpoint);
        assertThat(r.getBlobsRemoved()).isEqualTo(notInCheckpoint.size());
    }

    @Test
    void withoutKeepEveryCheckpointStaysAndANegativeAgeIsRefused() throws Exception {
        String id =
                farm.submit(farm.request(CheckpointServiceTest::chainAndLoner)).getBuildId();
        CheckpointServiceTest.buildAll(farm, w1, id, 4);
        create("one", id, "a");
        create("two", id, "b");

        CollectGarbageResponse r = gc(CollectGarbageRequest.newBuilder().setMinAge(Duration.getDefaultInstance()));

        assertThat(r.getKeptCheckpointsList()).containsExactly("two", "one");
        assertThat(r.getDeletedCheckpointsList()).isEmpty();
        assertThat(r.getBlobsRemoved()).as("everything is referenced").isZero();
        assertThatThrownBy(() -> gc(CollectGarbageRequest.newBuilder()
                        .setMinAge(Duration.newBuilder().setSeconds(-1))))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("min_age must not be negative");
                });
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
