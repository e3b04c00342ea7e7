package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.common.lifecycle.Attempt;
import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.lifecycle.SharedActions;
import dev.lfsfarm.proto.v1.ActionResult;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The current attempts of every build, by id, and the action keys being built right now: an
 * identical package of another build waits for that result instead of building it twice. With
 * the action cache it answers the lifecycles' cross-build questions ({@link SharedActions}).
 *
 * <p>Changed on the dispatch thread only; {@code attempts} is concurrent because log chunks check
 * on the stream's thread whether their attempt is current. {@code inFlight} is confined to the
 * dispatch thread.
 */
final class RunningAttempts implements SharedActions {
    private final ResultCache cache;
    private final Map<String, Attempt> attempts = new ConcurrentHashMap<>();
    private final Map<String, BuildLifecycle> builds = new ConcurrentHashMap<>();
    private final Map<String, String> inFlight = new HashMap<>();

    RunningAttempts(ResultCache cache) {
        this.cache = cache;
    }

    void started(BuildLifecycle build, Attempt attempt, String actionKey) {
        attempts.put(attempt.id(), attempt);
        builds.put(attempt.id(), build);
        inFlight.putIfAbsent(actionKey, attempt.id());
    }

    void ended(Attempt attempt, String actionKey) {
        attempts.remove(attempt.id());
        builds.remove(attempt.id());
        inFlight.remove(actionKey, attempt.id());
    }

    /** Whether {@code attemptId} is current; any thread. */
    boolean isCurrent(String attemptId) {
        return attempts.containsKey(attemptId);
    }

    Optional<Attempt> attempt(String attemptId) {
        return Optional.ofNullable(attempts.get(attemptId));
    }

    /** The build of a current attempt; null when it is not current. */
    BuildLifecycle buildOf(String attemptId) {
        return builds.get(attemptId);
    }

    List<Attempt> on(String worker) {
        return attempts.values().stream().filter(a -> a.worker().equals(worker)).toList();
    }

    Collection<Attempt> all() {
        return attempts.values();
    }

    @Override
    public boolean inFlight(String actionKey) {
        return inFlight.containsKey(actionKey);
    }

    @Override
    public Optional<ActionResult> cached(String actionKey) {
        return cache.lookup(actionKey);
    }
}
