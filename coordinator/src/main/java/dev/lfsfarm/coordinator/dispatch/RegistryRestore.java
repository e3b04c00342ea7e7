package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.coordinator.state.BuildStateStore;
import dev.lfsfarm.proto.v1.BuildState;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the registry's builds when this coordinator starts leading: each becomes a lifecycle again
 * and continues as its stored state says (running packages held for their workers for the takeover
 * grace). Runs on the dispatch thread.
 */
final class RegistryRestore {
    private static final Logger log = LoggerFactory.getLogger(RegistryRestore.class);

    private final BuildTable builds;
    private final BuildResolver resolver;
    private final AttemptEvents attemptEvents;
    private final EffectRunner effects;

    RegistryRestore(BuildTable builds, BuildResolver resolver, AttemptEvents attemptEvents, EffectRunner effects) {
        this.builds = builds;
        this.resolver = resolver;
        this.attemptEvents = attemptEvents;
        this.effects = effects;
    }

    /** Restores every stored build; returns how many continue (not finished, not interrupted). */
    int restore(List<BuildStateStore.StoredBuild> stored) {
        int resumed = 0;
        int held = 0;
        attemptEvents.takeoverStarted();
        for (BuildStateStore.StoredBuild s : stored) {
            BuildLifecycle build = resolver.createOrLog(s.spec(), s.build().getBuildId());
            if (build == null) {
                continue;
            }
            builds.add(build);
            effects.run(build, build.restore(s.build()));
            held += build.orphans().size();
            if (build.state() != BuildState.BUILD_STATE_INTERRUPTED && !build.isFinished()) {
                resumed++;
            }
        }
        log.info(
                "restored {} builds from the registry; {} continue, {} attempts await their workers for {} s",
                builds.all().size(),
                resumed,
                held,
                attemptEvents.grace().toSeconds());
        return resumed;
    }
}
