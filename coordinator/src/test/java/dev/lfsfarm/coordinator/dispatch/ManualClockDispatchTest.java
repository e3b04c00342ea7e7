package dev.lfsfarm.coordinator.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.common.recipe.BookLoader;
import dev.lfsfarm.common.testing.BookFixture;
import dev.lfsfarm.common.time.ManualClock;
import dev.lfsfarm.common.wire.BookMessages;
import dev.lfsfarm.coordinator.log.LogStore;
import dev.lfsfarm.coordinator.state.FileBuildStateStore;
import dev.lfsfarm.coordinator.workers.WorkerSession;
import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.Capacity;
import dev.lfsfarm.proto.v1.CoordinatorMessage;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.Hello;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases and the takeover grace measured on a {@link ManualClock}: what the dispatcher decides
 * depends on manual time only, however much real time passes. The lease check is run by hand on the
 * dispatcher thread (the periodic one decides the same from the same clock).
 */
class ManualClockDispatchTest {
    /** A 10 s lease: the periodic check runs once a real second, and sees no manual time pass by itself. */
    private static final DispatchSettings SETTINGS =
            new DispatchSettings(Duration.ofSeconds(2), Duration.ofSeconds(10), 2, 1 << 20, "x86_64", 60);

    @TempDir
    Path tmp;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T12:00:00Z"));
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private Dispatcher dispatcher() throws Exception {
        FileBuildStateStore store = new FileBuildStateStore(tmp.resolve("state"));
        Dispatcher d = new Dispatcher(
                SETTINGS, store, new NoCache(), new LogStore(tmp.resolve("logs"), 1 << 20), clock, clock);
        open.add(0, store);
        open.add(0, d);
        return d;
    }

    private SubmitBuildRequest request() throws Exception {
        BookFixture book = new BookFixture(tmp.resolve("book"));
        book.simple("solo", "1", "");
        return SubmitBuildRequest.newBuilder()
                .setBook(BookMessages.toProto(BookLoader.load(book.root()), Map.of()))
                .setSubmitter("test")
                .build();
    }

    private static void checkLeases(Dispatcher d) throws Exception {
        d.call(() -> {
                    d.checkLeases();
                    return null;
                })
                .get(10, TimeUnit.SECONDS);
    }

    private static PackageStatus solo(Dispatcher d, String buildId) throws Exception {
        Build b = d.get(buildId, true).get(10, TimeUnit.SECONDS);
        return b.getPackages(0);
    }

    @Test
    void aWorkerSilentForALeaseOfManualTimeIsLostAndItsAttemptRequeued() throws Exception {
        Dispatcher d = dispatcher();
        Stream w1 = new Stream();
        WorkerSession s1 = w1.connect(d, "w1");
        String id = d.submit(request()).get(10, TimeUnit.SECONDS).getBuildId();
        Assign first = w1.awaitAssign();
        Stream w2 = new Stream();
        WorkerSession s2 = w2.connect(d, "w2");

        clock.advance(Duration.ofSeconds(9)); // under the lease: nobody is lost
        checkLeases(d);
        assertThat(w1.end).isNull();
        assertThat(solo(d, id).getWorker()).isEqualTo("w1");

        s2.touch(); // w2 heartbeats; w1 stays silent past its lease
        clock.advance(Duration.ofSeconds(2));
        checkLeases(d);

        assertThat(w1.awaitEnd().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(w1.end.getDescription()).isEqualTo("lease expired");
        Assign second = w2.awaitAssign();
        assertThat(second.getPackageId()).isEqualTo("solo");
        assertThat(second.getAttemptNumber()).isEqualTo(2);
        assertThat(second.getAttemptId()).isNotEqualTo(first.getAttemptId());
        PackageStatus running = solo(d, id);
        assertThat(running.getWorker()).isEqualTo("w2");
        assertThat(running.getFailureReason())
                .isEqualTo("worker w1 lost (no heartbeat for 10 s); requeued (attempt 1 of 3)");
        assertThat(s1.isOpen()).isFalse();
    }

    @Test
    void anAttemptNoWorkerReportsAfterATakeoverIsReleasedOnceTheGraceOfManualTimeIsOver() throws Exception {
        Dispatcher before = dispatcher();
        Stream w1 = new Stream();
        w1.connect(before, "w1");
        String id = before.submit(request()).get(10, TimeUnit.SECONDS).getBuildId();
        String attempt = w1.awaitAssign().getAttemptId();
        before.halt("a new leader takes over"); // deposed: it writes nothing more
        before.close();

        FileBuildStateStore store = new FileBuildStateStore(tmp.resolve("state"));
        open.add(0, store);
        Dispatcher after = new Dispatcher(
                SETTINGS, store, new NoCache(), new LogStore(tmp.resolve("logs2"), 1 << 20), clock, clock);
        open.add(0, after);
        assertThat(after.restore(store.loadAll()).get(10, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(solo(after, id).getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING); // held

        clock.advance(Duration.ofSeconds(20)); // the grace is two leases; not over yet
        checkLeases(after);
        assertThat(solo(after, id).getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING);

        clock.advance(Duration.ofSeconds(1));
        checkLeases(after);
        PackageStatus released = solo(after, id);
        assertThat(released.getState()).isEqualTo(PackageState.PACKAGE_STATE_READY);
        assertThat(released.getFailureReason())
                .isEqualTo("no worker reported attempt " + attempt + " within 20 s of the takeover; requeued");

        Stream w2 = new Stream();
        w2.connect(after, "w2");
        Assign again = w2.awaitAssign();
        assertThat(again.getAttemptNumber()).isEqualTo(2);
        assertThat(again.getLeaderEpoch()).isEqualTo(after.epoch());
    }

    /** A worker's Connect stream as the dispatcher writes to it. */
    private final class Stream implements StreamObserver<CoordinatorMessage> {
        final List<CoordinatorMessage> messages = new CopyOnWriteArrayList<>();
        volatile Status end;

        WorkerSession connect(Dispatcher d, String name) throws InterruptedException {
            WorkerSession session = new WorkerSession(this, "test:" + name, d.ticker());
            d.hello(
                    session,
                    Hello.newBuilder()
                            .setName(name)
                            .setInstanceId(name + "-1")
                            .setCapacity(Capacity.newBuilder()
                                    .setSlots(1)
                                    .setCores(2)
                                    .setMemoryMb(4096))
                            .build());
            await(() -> messages.stream().anyMatch(CoordinatorMessage::hasWelcome), name + " welcomed");
            return session;
        }

        Assign awaitAssign() throws InterruptedException {
            await(() -> messages.stream().anyMatch(CoordinatorMessage::hasAssign), "an assign");
            return messages.stream()
                    .filter(CoordinatorMessage::hasAssign)
                    .findFirst()
                    .orElseThrow()
                    .getAssign();
        }

        Status awaitEnd() throws InterruptedException {
            await(() -> end != null, "the stream's end");
            return end;
        }

        @Override
        public void onNext(CoordinatorMessage value) {
            messages.add(value);
        }

        @Override
        public void onError(Throwable t) {
            end = Status.fromThrowable(t);
        }

        @Override
        public void onCompleted() {
            end = Status.OK;
        }
    }

    /** Waits for {@code condition} with a deadline of real time (the dispatcher runs on its own thread). */
    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never saw " + what);
            }
            TimeUnit.MILLISECONDS.sleep(5); // polling interval of a deadline-bounded wait
        }
    }

    /** An action cache that holds nothing (every package is built). */
    private static final class NoCache implements ResultCache {
        @Override
        public Optional<ActionResult> lookup(String actionKey) {
            return Optional.empty();
        }

        @Override
        public void record(ActionResult result) {}

        @Override
        public boolean hasBlob(String sha256) {
            return false;
        }

        @Override
        public boolean putBlob(Digest digest, byte[] bytes) {
            return false;
        }
    }
}
