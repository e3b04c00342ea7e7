package dev.lfsfarm.coordinator.workers;

import dev.lfsfarm.common.error.FarmException;
import dev.lfsfarm.common.lifecycle.Attempt;
import dev.lfsfarm.common.schedule.WorkerPool;
import dev.lfsfarm.common.schedule.WorkerSpec;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.coordinator.dispatch.DispatchObserver;
import dev.lfsfarm.coordinator.dispatch.DispatchSettings;
import dev.lfsfarm.coordinator.history.AttemptHistory;
import dev.lfsfarm.proto.v1.AttemptInfo;
import dev.lfsfarm.proto.v1.CancelReason;
import dev.lfsfarm.proto.v1.CoordinatorMessage;
import dev.lfsfarm.proto.v1.Drain;
import dev.lfsfarm.proto.v1.Hello;
import dev.lfsfarm.proto.v1.Welcome;
import dev.lfsfarm.proto.v1.WorkerSpeed;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers this coordinator knows: hello validation, one session per worker name, leases (a
 * worker silent for longer than the lease is lost), operator drains that hold across reconnects,
 * and adoption of the attempts a worker still runs when it (re)connects, after a takeover too.
 *
 * <p>Confined to the dispatch thread: every method runs there; the sessions' liveness stamps are
 * the only state other threads write (see {@link WorkerSession}).
 */
public final class WorkerRegistry {
    private static final Logger log = LoggerFactory.getLogger(WorkerRegistry.class);

    private final long epoch;
    private final DispatchSettings settings;
    private final WorkerPool pool;
    private final AttemptHistory history;
    private final Clock clock;
    private final AttemptControl attempts;
    private final Supplier<DispatchObserver> observer;
    private final Map<String, WorkerSession> sessions = new LinkedHashMap<>();
    /** Workers the operator drained, by name: the drain holds across reconnects until undrained. */
    private final Set<String> drained = new HashSet<>();

    public WorkerRegistry(
            long epoch,
            DispatchSettings settings,
            WorkerPool pool,
            AttemptHistory history,
            Clock clock,
            AttemptControl attempts,
            Supplier<DispatchObserver> observer) {
        this.epoch = epoch;
        this.settings = settings;
        this.pool = pool;
        this.history = history;
        this.clock = clock;
        this.attempts = attempts;
        this.observer = observer;
    }

    /** A worker said hello on a new stream; false when it was turned away (its stream is closed). */
    public boolean hello(WorkerSession session, Hello hello) {
        if (hello.getName().isEmpty()
                || hello.getCapacity().getSlots() < 1
                || hello.getCapacity().getCores() < 1) {
            session.close(FarmException.invalid("hello needs a name, slots >= 1 and cores >= 1"));
            return false;
        }
        if (hello.getNewestEpochSeen() > epoch) {
            session.close(new FarmException(
                    FarmException.Kind.ABORTED,
                    "this coordinator's epoch " + epoch + " is older than the newest the worker has seen ("
                            + hello.getNewestEpochSeen() + ")"));
            return false;
        }
        WorkerSession previous = sessions.get(hello.getName());
        if (previous != null && previous.isOpen() && !previous.instanceId().equals(hello.getInstanceId())) {
            session.close(new FarmException(
                    FarmException.Kind.ALREADY_EXISTS, "another worker is connected as '" + hello.getName() + "'"));
            return false;
        }
        session.identify(
                hello.getName(), hello.getInstanceId(), hello.getPlatform(), hello.getCapacity(), clock.instant());
        sessions.put(hello.getName(), session);
        boolean known = pool.contains(hello.getName());
        if (!known) {
            Map<String, String> labels = new HashMap<>(hello.getCapacity().getLabelsMap());
            labels.putIfAbsent(
                    "arch",
                    hello.getPlatform().getArch().isEmpty()
                            ? settings.arch()
                            : hello.getPlatform().getArch());
            pool.add(new WorkerSpec(
                    hello.getName(),
                    hello.getCapacity().getSlots(),
                    hello.getCapacity().getCores(),
                    (int) Math.min(Integer.MAX_VALUE, hello.getCapacity().getMemoryMb()),
                    labels));
        } else {
            pool.resume(hello.getName());
        }
        history.declared(hello.getName(), hello.getPlatform().getSecondsPerSbu());
        pool.setSpeed(hello.getName(), history.speed(hello.getName()).getSecondsPerSbu());
        if (drained.contains(hello.getName())) {
            pool.drain(hello.getName());
        }
        List<String> adopted = adopt(hello, known);
        session.send(CoordinatorMessage.newBuilder()
                .setWelcome(Welcome.newBuilder()
                        .setLeaderEpoch(epoch)
                        .setHeartbeatInterval(ProtoTime.duration(settings.heartbeatInterval()))
                        .setLeaseTimeout(ProtoTime.duration(settings.leaseTimeout()))
                        .addAllAdoptedAttemptIds(adopted)
                        .setCoordinatorVersion("farm.v1")
                        .setAcceptsInlineArtifacts(true))
                .build());
        // Welcome is the first message of a stream; what follows it: cancels of what was not adopted, a standing drain.
        for (AttemptInfo info : hello.getAttemptsList()) {
            if (!adopted.contains(info.getAttemptId()) && !info.getFinished()) {
                session.sendCancel(
                        info.getAttemptId(),
                        CancelReason.CANCEL_REASON_NOT_ADOPTED,
                        "this coordinator does not expect the attempt any more");
            }
        }
        if (drained.contains(hello.getName())) {
            session.send(
                    CoordinatorMessage.newBuilder().setDrain(Drain.newBuilder()).build());
        }
        log.info(
                "worker {} connected from {} ({} slots, {} cores, {} MiB){}",
                hello.getName(),
                session.peer(),
                hello.getCapacity().getSlots(),
                hello.getCapacity().getCores(),
                hello.getCapacity().getMemoryMb(),
                adopted.isEmpty() ? "" : ", still running " + adopted.size() + " attempts");
        return true;
    }

    /**
     * Attempts the worker still runs that are still wanted are kept (the caller cancels the others).
     * Attempts this coordinator expected on the worker but the worker no longer has are requeued.
     */
    private List<String> adopt(Hello hello, boolean known) {
        Set<String> reported = new HashSet<>();
        List<String> adopted = new ArrayList<>();
        for (AttemptInfo info : hello.getAttemptsList()) {
            reported.add(info.getAttemptId());
            Attempt a = attempts.attempt(info.getAttemptId()).orElse(null);
            if (a != null
                    && a.worker().equals(hello.getName())
                    && (!attempts.isOrphan(a.id())
                            || attempts.readopt(a, Math.max(1, info.getCores()), info.getFinished()))) {
                adopted.add(a.id());
            }
        }
        for (Attempt a : attempts.attemptsOn(hello.getName())) {
            if (!reported.contains(a.id())) {
                if (attempts.isOrphan(a.id())) {
                    attempts.releaseOrphan(a, "worker " + a.worker() + " reconnected without it after the takeover");
                } else if (known) {
                    attempts.lose(a, "the worker reconnected without it");
                }
            }
        }
        return adopted;
    }

    /** The worker's stream ended: it gets nothing new until it reconnects or its lease runs out. */
    public void streamClosed(WorkerSession session) {
        if (session.name() != null && sessions.get(session.name()) == session) {
            pool.drain(session.name());
            log.info(
                    "worker {} disconnected; its lease runs {} s",
                    session.name(),
                    settings.leaseTimeout().toSeconds());
        }
    }

    /** The operator drains (or undrains) a worker; NOT_FOUND when there is none by that name. */
    public WorkerSession drain(String name, boolean undrain) {
        WorkerSession session = sessions.get(name);
        if (session == null || !pool.contains(name)) {
            throw FarmException.notFound("no worker '" + name + "'");
        }
        if (undrain) {
            drained.remove(name);
            pool.resume(name);
        } else {
            drained.add(name);
            pool.drain(name);
        }
        session.send(CoordinatorMessage.newBuilder()
                .setDrain(Drain.newBuilder().setUndrain(undrain))
                .build());
        return session;
    }

    /** Declares lost every worker silent for longer than the lease; returns whether any was. */
    public boolean checkLeases() {
        long lease = settings.leaseTimeout().toNanos();
        boolean lost = false;
        for (WorkerSession session : List.copyOf(sessions.values())) {
            if (session.silentNanos() > lease && pool.contains(session.name())) {
                workerLost(session);
                lost = true;
            }
        }
        return lost;
    }

    private void workerLost(WorkerSession session) {
        String name = session.name();
        observer.get().workerLost(name);
        log.warn(
                "worker {} lost: no heartbeat for {} s",
                name,
                settings.leaseTimeout().toSeconds());
        pool.remove(name);
        session.close(FarmException.unavailable("lease expired"));
        for (Attempt a : attempts.attemptsOn(name)) {
            attempts.lose(
                    a,
                    "worker " + name + " lost (no heartbeat for "
                            + settings.leaseTimeout().toSeconds() + " s)");
        }
    }

    /** The session of a worker by name, connected or not; null when it never said hello. */
    public WorkerSession session(String name) {
        return sessions.get(name);
    }

    /** Whether the worker is connected and placeable (a calibration build needs that). */
    public boolean isConnected(String name) {
        WorkerSession session = sessions.get(name);
        return session != null && session.isOpen() && pool.contains(name);
    }

    public Collection<WorkerSession> sessions() {
        return sessions.values();
    }

    /** Every worker's speed, connected or known from history. */
    public List<WorkerSpeed> speeds() {
        Map<String, WorkerSpeed> speeds = new TreeMap<>();
        history.speeds().forEach(s -> speeds.put(s.getWorker(), s));
        for (String name : sessions.keySet()) {
            speeds.putIfAbsent(name, history.speed(name));
        }
        List<WorkerSpeed> result = new ArrayList<>();
        speeds.forEach((name, s) ->
                result.add(s.toBuilder().setConnected(isConnected(name)).build()));
        return result;
    }

    /** Connected and recently lost workers, with their free capacity and running attempts. */
    public List<WorkerView> views() {
        List<WorkerView> views = new ArrayList<>();
        for (WorkerSession s : sessions.values()) {
            List<WorkerView.RunningAttempt> running = attempts.attemptsOn(s.name()).stream()
                    .map(a -> new WorkerView.RunningAttempt(a.id(), a.buildId(), a.packageId()))
                    .toList();
            views.add(new WorkerView(s, pool.get(s.name()), pool.isDraining(s.name()), running));
        }
        return views;
    }

    /** Ends every worker's stream (this coordinator was deposed). */
    public void disconnectAll(FarmException why) {
        sessions.values().forEach(session -> session.close(why));
    }
}
