package dev.lfsfarm.coordinator.events;

import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.time.Ticker;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.proto.v1.BuildEvent;
import dev.lfsfarm.proto.v1.BuildSnapshot;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.BuildStateChanged;
import dev.lfsfarm.proto.v1.PackageStateChanged;
import dev.lfsfarm.proto.v1.PackageStatus;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Who watches which build, and what they are sent: a snapshot first, then every event numbered in
 * sequence with a resume token, until the build ends. PROGRESS events are coalesced with the
 * injected ticker (events.proto: at most a few per second): one goes out at once if the last is
 * older than {@link #PROGRESS_INTERVAL_NANOS}, else one is timed for when it is, so the last counts
 * always arrive. A wide build changes state hundreds of times a second, and every event is work for
 * the coordinator and every watcher.
 *
 * <p>Confined to the dispatch thread: every method runs there, and so do the timer's tasks.
 */
public final class EventHub {
    /** Least time between two PROGRESS events of a build. */
    public static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /** Runs a task on the dispatch thread after a delay. */
    @FunctionalInterface
    public interface Timer {
        void schedule(Runnable task, long delayNanos);
    }

    /** The watchers of one build and its event counters. */
    private static final class Channel {
        final List<ServerCallStreamObserver<BuildEvent>> watchers = new CopyOnWriteArrayList<>();
        long sequence;
        /** Ticker nanos when the last PROGRESS event went out, and whether a later one is timed. */
        long progressSentNanos = Long.MIN_VALUE / 2;

        boolean progressScheduled;
    }

    private final long epoch;
    private final Clock clock;
    private final Ticker ticker;
    private final Timer timer;
    private final Map<String, Channel> channels = new HashMap<>();

    public EventHub(long epoch, Clock clock, Ticker ticker, Timer timer) {
        this.epoch = epoch;
        this.clock = clock;
        this.ticker = ticker;
        this.timer = timer;
    }

    private Channel channel(String buildId) {
        return channels.computeIfAbsent(buildId, id -> new Channel());
    }

    public boolean hasWatchers(String buildId) {
        Channel c = channels.get(buildId);
        return c != null && !c.watchers.isEmpty();
    }

    /** Starts a watcher with a snapshot; it gets every later event until the build ends. */
    public void watch(BuildLifecycle build, ServerCallStreamObserver<BuildEvent> watcher) {
        Channel c = channel(build.id());
        watcher.onNext(BuildEvent.newBuilder()
                .setSequence(++c.sequence)
                .setLeaderEpoch(epoch)
                .setResumeToken(build.id() + ":" + epoch + ":" + c.sequence)
                .setSnapshot(BuildSnapshot.newBuilder().setBuild(build.toProto(true)))
                .build());
        if (build.isFinished()) {
            complete(watcher);
        } else {
            c.watchers.add(watcher);
        }
    }

    public void packageChanged(BuildLifecycle build, PackageStatus status) {
        emit(
                build.id(),
                BuildEvent.newBuilder()
                        .setPackageStateChanged(PackageStateChanged.newBuilder().setStatus(status)));
    }

    public void buildStateChanged(BuildLifecycle build, BuildState previous, BuildState state, String message) {
        emit(
                build.id(),
                BuildEvent.newBuilder()
                        .setBuildStateChanged(BuildStateChanged.newBuilder()
                                .setPreviousState(previous)
                                .setState(state)
                                .setMessage(message)));
    }

    /** The counts changed: a PROGRESS event now, or timed for when the last is old enough. */
    public void progressChanged(BuildLifecycle build) {
        if (!hasWatchers(build.id())) {
            return;
        }
        Channel c = channel(build.id());
        if (c.progressScheduled) {
            return;
        }
        long wait = c.progressSentNanos + PROGRESS_INTERVAL_NANOS - ticker.nanos();
        if (wait <= 0) {
            sendProgress(build);
            return;
        }
        c.progressScheduled = true;
        timer.schedule(() -> timedProgress(build), wait);
    }

    /** The timer fired: send, unless the ticker says it is early (a ticker driven by hand), then wait again. */
    private void timedProgress(BuildLifecycle build) {
        Channel c = channel(build.id());
        long wait = c.progressSentNanos + PROGRESS_INTERVAL_NANOS - ticker.nanos();
        if (wait > 0) {
            timer.schedule(() -> timedProgress(build), wait);
            return;
        }
        c.progressScheduled = false;
        sendProgress(build);
    }

    /** A PROGRESS event now (the final counts of a build, before its stream ends). */
    public void sendProgress(BuildLifecycle build) {
        channel(build.id()).progressSentNanos = ticker.nanos();
        emit(build.id(), BuildEvent.newBuilder().setProgress(build.progress()));
    }

    /** The build ended: its watchers' streams complete. */
    public void finished(BuildLifecycle build) {
        Channel c = channels.get(build.id());
        if (c == null) {
            return;
        }
        for (ServerCallStreamObserver<BuildEvent> watcher : c.watchers) {
            complete(watcher);
        }
        c.watchers.clear();
    }

    /** Ends every watcher's stream with {@code error} (this coordinator was deposed). */
    public void disconnectAll(Throwable error) {
        for (Channel c : channels.values()) {
            for (ServerCallStreamObserver<BuildEvent> watcher : c.watchers) {
                try {
                    watcher.onError(error);
                } catch (RuntimeException e) {
                    // the watcher went away
                }
            }
            c.watchers.clear();
        }
    }

    private void emit(String buildId, BuildEvent.Builder event) {
        Channel c = channels.get(buildId);
        if (c == null || c.watchers.isEmpty()) {
            return;
        }
        BuildEvent e = event.setSequence(++c.sequence)
                .setLeaderEpoch(epoch)
                .setResumeToken(buildId + ":" + epoch + ":" + c.sequence)
                .setTime(ProtoTime.timestamp(clock.instant()))
                .build();
        for (ServerCallStreamObserver<BuildEvent> watcher : c.watchers) {
            if (watcher.isCancelled()) {
                c.watchers.remove(watcher);
                continue;
            }
            watcher.onNext(e);
        }
    }

    private static void complete(ServerCallStreamObserver<BuildEvent> watcher) {
        try {
            watcher.onCompleted();
        } catch (RuntimeException e) {
            // the watcher went away
        }
    }
}
