package dev.lfsfarm.coordinator.ha;

import dev.lfsfarm.common.leader.CoordinatorLocator;
import dev.lfsfarm.common.zk.ActiveLeader;
import dev.lfsfarm.coordinator.dispatch.Dispatcher;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Lets calls through only while this coordinator leads. A standby answers every call with
 * FAILED_PRECONDITION naming the leader (description and the {@code farm-leader} trailer), so
 * clients redirect and nothing is ever accepted by two coordinators; with no leader elected yet
 * the answer is UNAVAILABLE, which clients retry.
 */
public final class LeaderGate implements ServerInterceptor, Supplier<Dispatcher> {
    private volatile Dispatcher leading;
    private final Supplier<Optional<ActiveLeader>> leader;

    /** @param leader who leads, as ZooKeeper says (for the standby's answer) */
    public LeaderGate(Supplier<Optional<ActiveLeader>> leader) {
        this.leader = leader;
    }

    /** A gate that is always open: a single coordinator without ZooKeeper. */
    public static LeaderGate always(Dispatcher dispatcher) {
        LeaderGate gate = new LeaderGate(Optional::empty);
        gate.lead(dispatcher);
        return gate;
    }

    public void lead(Dispatcher dispatcher) {
        leading = dispatcher;
    }

    public void standBy() {
        leading = null;
    }

    public boolean isLeading() {
        Dispatcher d = leading;
        return d != null && !d.isHalted();
    }

    /** The leading dispatcher; throws the standby's answer otherwise. */
    @Override
    public Dispatcher get() {
        Dispatcher d = leading;
        if (d == null || d.isHalted()) {
            throw refusal();
        }
        return d;
    }

    StatusRuntimeException refusal() {
        Optional<ActiveLeader> current = leader.get();
        if (current.isEmpty()) {
            return Status.UNAVAILABLE
                    .withDescription("no leader elected yet; retry")
                    .asRuntimeException();
        }
        Metadata trailers = new Metadata();
        trailers.put(CoordinatorLocator.LEADER_TRAILER, current.get().grpcAddress());
        return Status.FAILED_PRECONDITION
                .withDescription("not the leader; leader is " + current.get().grpcAddress() + " (epoch "
                        + current.get().epoch() + ")")
                .asRuntimeException(trailers);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!isLeading()) {
            StatusRuntimeException refused = refusal();
            call.close(refused.getStatus(), refused.getTrailers() == null ? new Metadata() : refused.getTrailers());
            return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
    }
}
