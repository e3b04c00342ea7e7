package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.lifecycle.Effect;
import dev.lfsfarm.coordinator.events.EventHub;
import dev.lfsfarm.coordinator.log.LogStore;
import dev.lfsfarm.coordinator.state.BuildStateStore;
import dev.lfsfarm.coordinator.workers.WorkerSession;
import dev.lfsfarm.proto.v1.BuildProgress;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a lifecycle's effects, in the order it gave them: indexes and logs of attempts, the
 * action cache, registry writes, events for watchers, cancels to workers, dispatch metrics. A
 * fenced registry write throws out of here and halts the loop. Runs on the dispatch thread.
 */
final class EffectRunner {
    private static final Logger log = LoggerFactory.getLogger(EffectRunner.class);

    private final BuildStateStore store;
    private final ResultCache cache;
    private final LogStore logs;
    private final RunningAttempts attempts;
    private final EventHub events;
    private final Function<String, WorkerSession> sessions;
    private final Supplier<DispatchObserver> observer;

    EffectRunner(
            BuildStateStore store,
            ResultCache cache,
            LogStore logs,
            RunningAttempts attempts,
            EventHub events,
            Function<String, WorkerSession> sessions,
            Supplier<DispatchObserver> observer) {
        this.store = store;
        this.cache = cache;
        this.logs = logs;
        this.attempts = attempts;
        this.events = events;
        this.sessions = sessions;
        this.observer = observer;
    }

    void run(BuildLifecycle build, List<Effect> effects) {
        for (Effect effect : effects) {
            run(build, effect);
        }
    }

    private void run(BuildLifecycle build, Effect effect) {
        if (effect instanceof Effect.AttemptStarted s) {
            attempts.started(build, s.attempt(), s.actionKey());
        } else if (effect instanceof Effect.AttemptEnded e) {
            attempts.ended(e.attempt(), e.actionKey());
            logs.close(e.attempt().id());
        } else if (effect instanceof Effect.RecordActionResult r) {
            cache.record(r.result());
        } else if (effect instanceof Effect.PersistPackages p) {
            store.packagesChanged(p.buildId(), p.statuses());
        } else if (effect instanceof Effect.PackageChanged c) {
            events.packageChanged(build, c.status());
        } else if (effect instanceof Effect.ProgressChanged p) {
            if (p.finalCounts()) {
                events.sendProgress(build);
            } else {
                events.progressChanged(build);
            }
        } else if (effect instanceof Effect.PersistBuild p) {
            store.buildChanged(p.build());
        } else if (effect instanceof Effect.BuildStateChanged c) {
            events.buildStateChanged(build, c.previous(), c.state(), c.message());
        } else if (effect instanceof Effect.BuildFinished f) {
            BuildProgress p = build.progress();
            log.info(
                    "build {} {}: {} built, {} cached, {} failed, {} skipped",
                    build.id(),
                    f.state(),
                    p.getSucceeded(),
                    p.getCached(),
                    p.getFailed(),
                    p.getSkipped());
            events.finished(build);
        } else if (effect instanceof Effect.SendCancel c) {
            WorkerSession session = sessions.apply(c.worker());
            if (session != null) {
                session.sendCancel(c.attemptId(), c.reason(), c.message());
            }
        } else if (effect instanceof Effect.Dispatched d) {
            observer.get().dispatched(d.packageId(), d.readyNanos());
        } else {
            throw new IllegalStateException("unknown effect " + effect);
        }
    }
}
