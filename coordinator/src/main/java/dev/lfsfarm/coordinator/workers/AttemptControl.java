package dev.lfsfarm.coordinator.workers;

import dev.lfsfarm.common.lifecycle.Attempt;
import java.util.List;
import java.util.Optional;

/**
 * What the worker registry may do to the attempts of the builds (implemented by the dispatcher on
 * its thread): find them, and report an adopted, released or lost one to its build's lifecycle.
 */
public interface AttemptControl {
    /** The current attempt {@code attemptId} of any build. */
    Optional<Attempt> attempt(String attemptId);

    /** Current attempts placed on {@code worker}, over all builds. */
    List<Attempt> attemptsOn(String worker);

    /** Whether {@code attemptId} is held from before a takeover, waiting for its worker. */
    boolean isOrphan(String attemptId);

    /** The worker reports a held attempt: true when it runs on (re-adopted), false when it should stop. */
    boolean readopt(Attempt attempt, int cores, boolean finished);

    /** A held attempt its worker does not have: its package runs again. */
    void releaseOrphan(Attempt attempt, String reason);

    /** The attempt's worker is gone, or came back without it: requeue or fail. */
    void lose(Attempt attempt, String reason);
}
