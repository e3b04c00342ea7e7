package dev.lfsfarm.common.leader;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;

/**
 * Where the active coordinator is, for workers and the CLI. Asked again before every (re)connect,
 * so a client follows a leader change without a restart. Two kinds: a ZooKeeper watch on
 * {@code /farm/leader/active}, or a static list of addresses tried in turn.
 */
public interface CoordinatorLocator extends AutoCloseable {
    /** Trailer a standby coordinator sets on FAILED_PRECONDITION: the leader's HOST:PORT. */
    Metadata.Key<String> LEADER_TRAILER = Metadata.Key.of("farm-leader", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * The address to connect to next; may block up to a few seconds while no leader is known.
     *
     * @throws NoLeaderException when no leader could be found within that time
     */
    String next() throws InterruptedException;

    /** The last connection attempt to {@code address} failed or was refused; move on. */
    void failed(String address);

    /** A standby named the leader: try it next. */
    void redirect(String leaderAddress);

    /**
     * The leader's address as this source announces it right now, without waiting, if it knows
     * one (a ZooKeeper watch does; a static list does not). Lets a client connected to a frozen
     * or deposed leader notice that another one took over.
     */
    default Optional<String> announced() {
        return Optional.empty();
    }

    /** What to show an operator: the source of addresses. */
    String describe();

    @Override
    default void close() {}

    /** The leader's address a standby put in a FAILED_PRECONDITION trailer, if any. */
    static Optional<String> leaderFrom(StatusRuntimeException e) {
        return leaderFrom((Throwable) e);
    }

    /** The same for any failure of a call (async stubs hand over a plain Throwable). */
    static Optional<String> leaderFrom(Throwable t) {
        Metadata trailers = Status.trailersFromThrowable(t);
        return trailers == null
                ? Optional.empty()
                : Optional.ofNullable(trailers.get(LEADER_TRAILER))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty());
    }
}
