package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.common.lifecycle.Attempt;
import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.schedule.Assignment;
import dev.lfsfarm.common.schedule.WorkerPool;
import dev.lfsfarm.coordinator.workers.WorkerRegistry;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.CoordinatorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One round of dispatching: for every running build in submit order, settle cached packages, place
 * ready ones on workers (a new attempt each, named by epoch and counter, sent as an Assign), and end
 * the build if nothing is left. Confined to the dispatch thread.
 */
final class Placement {
    private static final Logger log = LoggerFactory.getLogger(Placement.class);

    private final long epoch;
    private final BuildTable builds;
    private final RunningAttempts attempts;
    private final WorkerPool pool;
    private final WorkerRegistry workers;
    private final AssignmentFactory assignments;
    private final EffectRunner effects;
    private long attemptCounter;

    Placement(
            long epoch,
            BuildTable builds,
            RunningAttempts attempts,
            WorkerPool pool,
            WorkerRegistry workers,
            AssignmentFactory assignments,
            EffectRunner effects) {
        this.epoch = epoch;
        this.builds = builds;
        this.attempts = attempts;
        this.pool = pool;
        this.workers = workers;
        this.assignments = assignments;
        this.effects = effects;
    }

    void dispatch() {
        for (BuildLifecycle build : builds.all()) {
            if (build.state() != BuildState.BUILD_STATE_RUNNING) {
                continue;
            }
            effects.run(build, build.settleCached(attempts));
            for (Assignment assignment : build.assignments(attempts)) {
                send(build, assignment);
            }
            effects.run(build, build.finishIfDone());
        }
    }

    private void send(BuildLifecycle build, Assignment assignment) {
        String id = epoch + "-" + (++attemptCounter);
        effects.run(build, build.assigned(assignment, id));
        Attempt attempt = build.attempt(id).orElseThrow();
        double secondsPerSbu = pool.get(assignment.worker()).secondsPerSbu(); // kept equal to history.speed()
        log.debug(
                "build {} package {} -> {} ({} cores), attempt {}",
                build.id(),
                assignment.id(),
                assignment.worker(),
                assignment.cores(),
                id);
        workers.session(assignment.worker())
                .send(CoordinatorMessage.newBuilder()
                        .setAssign(assignments.assign(build, assignment, attempt, secondsPerSbu))
                        .build());
    }
}
