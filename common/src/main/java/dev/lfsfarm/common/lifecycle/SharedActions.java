package dev.lfsfarm.common.lifecycle;

import dev.lfsfarm.proto.v1.ActionResult;
import java.util.Optional;

/**
 * Facts about actions that span builds, which one build's lifecycle asks for when it settles
 * cached packages and places ready ones: is an identical action running right now (in any build),
 * and what the action cache holds for a key.
 */
public interface SharedActions {
    /** No cache and nothing in flight: every package is built (the simulator, tests). */
    SharedActions NONE = new SharedActions() {
        @Override
        public boolean inFlight(String actionKey) {
            return false;
        }

        @Override
        public Optional<ActionResult> cached(String actionKey) {
            return Optional.empty();
        }
    };

    /** Whether an attempt of an identical action (same key) is running now. */
    boolean inFlight(String actionKey);

    /** The cached result for {@code actionKey}, if any. */
    Optional<ActionResult> cached(String actionKey);
}
