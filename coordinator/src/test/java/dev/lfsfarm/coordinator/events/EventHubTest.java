package dev.lfsfarm.coordinator.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.common.graph.DependencyResolver;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.lifecycle.LifecycleContext;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.BookLoader;
import dev.lfsfarm.common.recipe.Profile;
import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.schedule.WorkerPool;
import dev.lfsfarm.common.testing.BookFixture;
import dev.lfsfarm.common.time.ManualClock;
import dev.lfsfarm.proto.v1.BuildEvent;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import io.grpc.stub.ServerCallStreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PROGRESS coalescing on a {@link ManualClock}: at most one PROGRESS per 200 ms of manual time,
 * and the last counts always go out. The timer is driven by hand too, so real time plays no part.
 */
class EventHubTest {
    @TempDir
    Path tmp;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T12:00:00Z"));
    /** Timed tasks, run by the test when it chooses. */
    private final List<Runnable> timed = new ArrayList<>();

    private EventHub hub;
    private BuildLifecycle build;
    private Watcher watcher;

    @BeforeEach
    void setUp() throws Exception {
        hub = new EventHub(7, clock, clock, (task, delayNanos) -> timed.add(task));
        BookFixture book = new BookFixture(tmp.resolve("book"));
        book.simple("a", "1", "").simple("b", "1", "");
        Book loaded = BookLoader.load(book.root());
        ResolvedGraph graph = new DependencyResolver(loaded, Profile.DEFAULT).resolve(List.of());
        LifecycleContext context = new LifecycleContext(
                new WorkerPool(), DurationModel.ofSbuSeconds(60), LifecycleContext.Estimates.BOOK, 2, clock, clock);
        build = new BuildLifecycle(
                "b1", SubmitBuildRequest.getDefaultInstance(), graph, new String[] {"ka", "kb"}, context);
        build.start();
        watcher = new Watcher();
        hub.watch(build, watcher);
    }

    private long progressEvents() {
        return watcher.events.stream().filter(BuildEvent::hasProgress).count();
    }

    private void runTimed() {
        List<Runnable> due = new ArrayList<>(timed);
        timed.clear();
        due.forEach(Runnable::run);
    }

    @Test
    void atMostOneProgressPer200msOfManualTimeAndTheLastCountsArrive() {
        hub.progressChanged(build); // the first goes out at once
        assertThat(progressEvents()).isEqualTo(1);

        clock.advance(Duration.ofMillis(50));
        hub.progressChanged(build);
        clock.advance(Duration.ofMillis(50));
        hub.progressChanged(build);
        assertThat(progressEvents()).isEqualTo(1); // coalesced
        assertThat(timed).hasSize(1); // one timed send, however many changes

        clock.advance(Duration.ofMillis(50)); // 150 ms: the timer fired early by manual time
        runTimed();
        assertThat(progressEvents()).isEqualTo(1);
        assertThat(timed).hasSize(1); // it waits again

        clock.advance(Duration.ofMillis(50)); // 200 ms after the first
        build.cancel("stop"); // the counts change before the timed send: it carries the newest
        runTimed();
        assertThat(progressEvents()).isEqualTo(2);
        BuildEvent last = watcher.events.get(watcher.events.size() - 1);
        assertThat(last.getProgress().getCancelled()).isEqualTo(2);
        assertThat(timed).isEmpty();

        clock.advance(Duration.ofMillis(199));
        hub.progressChanged(build);
        assertThat(progressEvents()).isEqualTo(2);
        clock.advance(Duration.ofMillis(1));
        runTimed();
        assertThat(progressEvents()).isEqualTo(3);
    }

    @Test
    void eventsAreNumberedInSequenceWithResumeTokensAndManualTime() {
        hub.buildStateChanged(build, BuildState.BUILD_STATE_RUNNING, BuildState.BUILD_STATE_CANCELLING, "stop");
        clock.advance(Duration.ofSeconds(3));
        hub.sendProgress(build);
        assertThat(watcher.events).extracting(BuildEvent::getSequence).containsExactly(1L, 2L, 3L);
        assertThat(watcher.events.get(0).hasSnapshot()).isTrue();
        assertThat(watcher.events.get(2).getResumeToken()).isEqualTo("b1:7:3");
        assertThat(watcher.events.get(2).getTime().getSeconds())
                .isEqualTo(clock.instant().getEpochSecond());
        hub.finished(build);
        assertThat(watcher.completed).isTrue();
        assertThat(hub.hasWatchers("b1")).isFalse();
    }

    @Test
    void withoutWatchersNothingIsTimed() {
        hub.finished(build);
        hub.progressChanged(build);
        assertThat(timed).isEmpty();
    }

    /** A watcher's stream that records what it is sent. */
    private static final class Watcher extends ServerCallStreamObserver<BuildEvent> {
        final List<BuildEvent> events = new ArrayList<>();
        boolean completed;

        @Override
        public void onNext(BuildEvent value) {
            events.add(value);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
            completed = true;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable onCancelHandler) {}

        @Override
        public void setCompression(String compression) {}

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {}

        @Override
        public void disableAutoInboundFlowControl() {}

        @Override
        public void request(int count) {}

        @Override
        public void setMessageCompression(boolean enable) {}
    }
}
