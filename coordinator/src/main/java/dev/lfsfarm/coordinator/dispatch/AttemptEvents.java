package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.common.lifecycle.Attempt;
import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.lifecycle.Effect;
import dev.lfsfarm.coordinator.workers.AttemptControl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to attempts outside their results: a worker re-adopts one held since a takeover, a
 * held one is released (its worker came back without it, or none reported it within the takeover
 * grace, measured on the injected clock), a worker is lost with its attempts. Each goes to the
 * attempt's build lifecycle and its effects are carried out. Confined to the dispatch thread.
 */
final class AttemptEvents implements AttemptControl {
    private static final Logger log = LoggerFactory.getLogger(AttemptEvents.class);

    private final RunningAttempts attempts;
    private final BuildTable builds;
    private final EffectRunner effects;
    private final Clock clock;
    private final Duration grace;
    private Instant orphanDeadline = Instant.MAX;

    /** @param grace how long attempts from before a takeover wait for their workers */
    AttemptEvents(RunningAttempts attempts, BuildTable builds, EffectRunner effects, Clock clock, Duration grace) {
        this.attempts = attempts;
        this.builds = builds;
        this.effects = effects;
        this.clock = clock;
        this.grace = grace;
    }

    Duration grace() {
        return grace;
    }

    /** A takeover restored held attempts now: they wait {@link #grace()} from here. */
    void takeoverStarted() {
        orphanDeadline = clock.instant().plus(grace);
    }

    /** Releases every held attempt once the grace is over; returns whether it did. */
    boolean releaseExpiredOrphans() {
        Set<String> orphans = builds.orphans();
        if (orphans.isEmpty() || !clock.instant().isAfter(orphanDeadline)) {
            return false;
        }
        for (String id : orphans) {
            attempts.attempt(id)
                    .ifPresent(a -> releaseOrphan(
                            a,
                            "no worker reported attempt " + id + " within " + grace.toSeconds()
                                    + " s of the takeover"));
        }
        return true;
    }

    @Override
    public Optional<Attempt> attempt(String attemptId) {
        return attempts.attempt(attemptId);
    }

    @Override
    public List<Attempt> attemptsOn(String worker) {
        return attempts.on(worker);
    }

    @Override
    public boolean isOrphan(String attemptId) {
        BuildLifecycle build = attempts.buildOf(attemptId);
        return build != null && build.isOrphan(attemptId);
    }

    @Override
    public boolean readopt(Attempt a, int cores, boolean finished) {
        BuildLifecycle build = attempts.buildOf(a.id());
        effects.run(build, build.readopt(a.id(), cores));
        boolean adopted = build.attempt(a.id()).isPresent();
        if (adopted) {
            log.info(
                    "build {} package {}: re-adopted attempt {} still {} on {}",
                    build.id(),
                    a.packageId(),
                    a.id(),
                    finished ? "reporting its result" : "running",
                    a.worker());
        }
        return adopted;
    }

    @Override
    public void releaseOrphan(Attempt a, String reason) {
        BuildLifecycle build = attempts.buildOf(a.id());
        log.warn("build {} package {} attempt {}: {}", build.id(), a.packageId(), a.id(), reason);
        effects.run(build, build.releaseOrphan(a.id(), reason));
    }

    /** An attempt's worker is gone: start the package again elsewhere, or fail it after too many losses. */
    @Override
    public void lose(Attempt a, String reason) {
        BuildLifecycle build = attempts.buildOf(a.id());
        List<Effect> list = build.lost(a.id(), reason);
        log.warn("build {} package {} attempt {}: {}", build.id(), a.packageId(), a.id(), reason);
        effects.run(build, list);
    }
}
