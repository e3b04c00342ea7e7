package dev.lfsfarm.coordinator.service;

import static dev.lfsfarm.coordinator.service.TestFarm.pkg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.coordinator.artifact.ArtifactStore;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.CheckpointEntry;
import dev.lfsfarm.proto.v1.CheckpointServiceGrpc;
import dev.lfsfarm.proto.v1.CreateCheckpointRequest;
import dev.lfsfarm.proto.v1.CreateCheckpointResponse;
import dev.lfsfarm.proto.v1.DeleteCheckpointRequest;
import dev.lfsfarm.proto.v1.GetCheckpointRequest;
import dev.lfsfarm.proto.v1.ListCheckpointsRequest;
import dev.lfsfarm.proto.v1.PackageStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CheckpointService on an in-process coordinator: recording, reading and deleting checkpoints. */
class CheckpointServiceTest {
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
        farm.close();
    }

    private CheckpointServiceGrpc.CheckpointServiceBlockingStub checkpoints() {
        return CheckpointServiceGrpc.newBlockingStub(farm.channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Four packages: a chain a <- b <- c, and d on its own. */
    static void chainAndLoner(dev.lfsfarm.common.testing.BookFixture book) {
        book.simple("a", "1.0", "")
                .simple("b", "2.0", "required: [a]")
                .simple("c", "3.0", "required: [b]")
                .simple("d", "4.0", "");
    }

    /** Builds every package on w1 and returns the finished build. */
    static Build buildAll(TestFarm farm, FakeWorker worker, String id, int packages) throws Exception {
        for (int i = 0; i < packages; i++) {
            assertThat(worker.succeed(worker.awaitAssign()).getAccepted()).isTrue();
        }
        return farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);
    }

    private CreateCheckpointResponse create(String name, String buildId, String upto) {
        return checkpoints()
                .createCheckpoint(CreateCheckpointRequest.newBuilder()
                        .setName(name)
                        .setBuildId(buildId)
                        .setUpto(upto)
                        .build());
    }

    private static void assertStatus(ThrowingCallable call, Status.Code code, String... description) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(description);
        });
    }

    @Test
    void aCheckpointRecordsTheBuildsArtifactsInTopologicalOrderUpToAPackage() throws Exception {
        String id =
                farm.submit(farm.request(CheckpointServiceTest::chainAndLoner)).getBuildId();
        Build build = buildAll(farm, w1, id, 4);

        CreateCheckpointResponse whole = create("everything", id, "");
        CreateCheckpointResponse prefix = create("upto-b", id, "b");

        assertThat(whole.getCreated()).isTrue();
        Checkpoint all = whole.getCheckpoint();
        assertThat(all.getEntriesList())
                .extracting(CheckpointEntry::getPackageId)
                .containsExactly("a", "b", "c", "d");
        assertThat(all.getEntriesList()).allSatisfy(e -> {
            PackageStatus status = pkg(build, e.getPackageId());
            assertThat(e.getArtifact()).isEqualTo(status.getArtifact());
            assertThat(e.getManifest()).isEqualTo(status.getManifest());
            assertThat(e.getVersion()).isEqualTo(status.getVersion());
        });
        assertThat(all.getBuildId()).isEqualTo(id);
        assertThat(all.getUpto()).isEmpty();
        assertThat(all.getPackageCount()).isEqualTo(4);
        assertThat(all.getArtifactBytes())
                .isEqualTo(build.getPackagesList().stream()
                        .mapToLong(p -> p.getArtifact().getSizeBytes())
                        .sum());
        assertThat(all.getCreatedEpoch()).isEqualTo(farm.epoch());
        assertThat(farm.server().artifacts().contains(all.getEntryList()))
                .as("the entry list is a blob")
                .isTrue();
        assertThat(prefix.getCheckpoint().getEntriesList())
                .extracting(CheckpointEntry::getPackageId)
                .containsExactly("a", "b");
        assertThat(prefix.getCheckpoint().getEntriesList())
                .isEqualTo(all.getEntriesList().subList(0, 2));

        assertThat(checkpoints()
                        .getCheckpoint(GetCheckpointRequest.newBuilder()
                                .setName("upto-b")
                                .build())
                        .getCheckpoint())
                .isEqualTo(prefix.getCheckpoint());
        assertThat(checkpoints()
                        .listCheckpoints(ListCheckpointsRequest.getDefaultInstance())
                        .getCheckpointsList())
                .as("newest first, without entries")
                .extracting(Checkpoint::getName, Checkpoint::getEntriesCount)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("upto-b", 0),
                        org.assertj.core.groups.Tuple.tuple("everything", 0));
    }

    @Test
    void creatingAgainIsIdempotentAndANameCannotBeReusedForSomethingElse() throws Exception {
        String id =
                farm.submit(farm.request(CheckpointServiceTest::chainAndLoner)).getBuildId();
        buildAll(farm, w1, id, 4);
        Checkpoint first = create("ch7", id, "b").getCheckpoint();

        CreateCheckpointResponse again = create("ch7", id, "b");

        assertThat(again.getCreated()).isFalse();
        assertThat(again.getCheckpoint()).isEqualTo(first);
        assertStatus(() -> create("ch7", id, "c"), Status.Code.ALREADY_EXISTS, "checkpoint 'ch7' already exists", id);
    }

    @Test
    void everyPackageInTheRangeMustHaveSucceeded() throws Exception {
        String id = farm.submit(farm.request(b -> b.simple("a", "1.0", "")
                        .simple("b", "2.0", "required: [a]")
                        .simple("c", "3.0", "required: [b]")))
                .getBuildId();
        assertThat(w1.succeed(w1.awaitAssign()).getAccepted()).isTrue();
        Assign b = w1.awaitAssign();
        assertThat(b.getPackageId()).isEqualTo("b");

        assertStatus(
                () -> create("too-far", id, "c"),
                Status.Code.FAILED_PRECONDITION,
                "package b is RUNNING",
                "SUCCEEDED or CACHED");
        assertStatus(() -> create("too-far", id, ""), Status.Code.FAILED_PRECONDITION, "package b is RUNNING");
        assertThat(create("just-a", id, "a").getCheckpoint().getEntriesList())
                .extracting(CheckpointEntry::getPackageId)
                .as("a finished prefix of a running build")
                .containsExactly("a");
        assertThat(checkpoints()
                        .listCheckpoints(ListCheckpointsRequest.getDefaultInstance())
                        .getCheckpointsList())
                .extracting(Checkpoint::getName)
                .containsExactly("just-a");
    }

    @Test
    void badNamesUnknownBuildsAndPackagesAreInputErrors() throws Exception {
        String id =
                farm.submit(farm.request(CheckpointServiceTest::chainAndLoner)).getBuildId();
        buildAll(farm, w1, id, 4);

        for (String bad : new String[] {"", ".", "..", "a/b", "sp ace", "x".repeat(101), "ümlaut"}) {
            assertStatus(() -> create(bad, id, ""), Status.Code.INVALID_ARGUMENT, "bad checkpoint name");
        }
        assertThat(create("x".repeat(100), id, "").getCreated())
                .as("100 characters are fine")
                .isTrue();
        assertStatus(() -> create("c1", "no-such-build", ""), Status.Code.NOT_FOUND, "no build 'no-such-build'");
        assertStatus(() -> create("c1", id, "gcc"), Status.Code.NOT_FOUND, "no package 'gcc' in build " + id);
        assertStatus(
                () -> checkpoints()
                        .getCheckpoint(
                                GetCheckpointRequest.newBuilder().setName("c1").build()),
                Status.Code.NOT_FOUND,
                "no checkpoint 'c1'");
        assertStatus(
                () -> checkpoints()
                        .deleteCheckpoint(DeleteCheckpointRequest.newBuilder()
                                .setName("../x")
                                .build()),
                Status.Code.INVALID_ARGUMENT,
                "bad checkpoint name");
    }

    @Test
    void aDeletedCheckpointIsGoneButItsBlobsStayUntilCollected() throws Exception {
        String id =
                farm.submit(farm.request(CheckpointServiceTest::chainAndLoner)).getBuildId();
        buildAll(farm, w1, id, 4);
        Checkpoint c = create("ch7", id, "").getCheckpoint();

        Checkpoint deleted = checkpoints()
                .deleteCheckpoint(
                        DeleteCheckpointRequest.newBuilder().setName("ch7").build())
                .getCheckpoint();

        assertThat(deleted.getName()).isEqualTo("ch7");
        assertThat(deleted.getEntryList()).isEqualTo(c.getEntryList());
        assertStatus(
                () -> checkpoints()
                        .getCheckpoint(
                                GetCheckpointRequest.newBuilder().setName("ch7").build()),
                Status.Code.NOT_FOUND,
                "no checkpoint 'ch7'");
        assertStatus(
                () -> checkpoints()
                        .deleteCheckpoint(DeleteCheckpointRequest.newBuilder()
                                .setName("ch7")
                                .build()),
                Status.Code.NOT_FOUND,
                "no checkpoint 'ch7'");
        assertThat(farm.server().artifacts().contains(c.getEntryList())).isTrue();
        assertThat(create("ch7", id, "b").getCreated())
                .as("the name is free again")
                .isTrue();
    }

    @Test
    void aLostEntryListIsDataLoss() throws Exception {
        String id =
                farm.submit(farm.request(CheckpointServiceTest::chainAndLoner)).getBuildId();
        buildAll(farm, w1, id, 4);
        Checkpoint c = create("ch7", id, "").getCheckpoint();
        ArtifactStore store = farm.server().artifacts();
        assertThat(store.remove(c.getEntryList().getSha256())).isTrue();

        assertStatus(
                () -> checkpoints()
                        .getCheckpoint(
                                GetCheckpointRequest.newBuilder().setName("ch7").build()),
                Status.Code.DATA_LOSS,
                "entry list of checkpoint ch7");
        assertThat(Files.exists(tmp.resolve("state/checkpoints/ch7.pb")))
                .as("the registry entry is kept")
                .isTrue();
    }
}
