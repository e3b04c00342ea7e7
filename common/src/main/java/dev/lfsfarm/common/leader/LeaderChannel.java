package dev.lfsfarm.common.leader;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A channel to whichever coordinator leads. Calls go to a channel for the address the locator
 * gave last; after a failed call the owner reports it ({@link #failed}) and asks again
 * ({@link #resolve}), and when the address changed the channel is swapped: new calls go to the
 * new leader while calls still open on the old channel finish there (it is shut down gracefully,
 * and forced down on {@link #close}).
 *
 * <p>Stubs made on this channel follow the leader without being made again, so a worker's
 * artifact client or the CLI's stubs stay valid across a failover. Plaintext, with the same 64 MiB
 * inbound limit as every farm client (GetBuild of a large build is big).
 */
public final class LeaderChannel extends Channel implements AutoCloseable {
    /** Largest message a farm client accepts: 64 MiB. */
    public static final int MAX_INBOUND_MESSAGE_BYTES = 64 << 20;

    private static final Logger log = LoggerFactory.getLogger(LeaderChannel.class);
    private static final long CLOSE_GRACE_MILLIS = 2_000;

    /** What a failed call says about where the leader is. */
    public enum Failure {
        /** A standby named the leader; the locator goes there next. Call again at once. */
        REDIRECTED,
        /**
         * The coordinator could not be reached, has no leader yet, or is between roles
         * (UNAVAILABLE); the locator moves on. Call again after a backoff.
         */
        UNREACHABLE,
        /** The coordinator was deposed (ABORTED: its epoch is stale); the locator moves on. */
        DEPOSED,
        /** Anything else: the coordinator answered, and the error is the caller's to report. */
        OTHER
    }

    private final CoordinatorLocator locator;
    private final Function<String, ManagedChannel> connector;
    /** Channels swapped out, still finishing their calls until {@link #close}. */
    @GuardedBy("this")
    private final List<ManagedChannel> retired = new ArrayList<>();

    // Where calls go: swapped under this by resolve(); volatile, so newCall() and the callers'
    // address checks read them without the lock. fixed() sets them before the channel is shared.
    @GuardedBy("this")
    private volatile Channel current;

    @GuardedBy("this")
    private volatile String address;

    @GuardedBy("this")
    private ManagedChannel owned;

    @GuardedBy("this")
    private boolean closed;

    private LeaderChannel(CoordinatorLocator locator, Function<String, ManagedChannel> connector) {
        this.locator = locator;
        this.connector = connector;
    }

    /** Follows the leader {@code locator} names, over plaintext; closing this closes the locator. */
    public static LeaderChannel open(CoordinatorLocator locator) {
        return open(locator, LeaderChannel::plaintext);
    }

    /** The same with channels made by {@code connector} (tests use in-process channels). */
    public static LeaderChannel open(CoordinatorLocator locator, Function<String, ManagedChannel> connector) {
        return new LeaderChannel(locator, connector);
    }

    /**
     * One channel that is never swapped (a coordinator in this process, or a caller that manages
     * its own channel). Closing this leaves {@code channel} open: its owner closes it.
     */
    public static LeaderChannel fixed(Channel channel) {
        String name = channel.authority();
        LeaderChannel fixed = new LeaderChannel(null, null);
        fixed.current = channel;
        fixed.address = name;
        return fixed;
    }

    /** A plaintext channel to {@code address} with the farm's inbound message limit. */
    public static ManagedChannel plaintext(String address) {
        return Grpc.newChannelBuilder(address, InsecureChannelCredentials.create())
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .build();
    }

    /**
     * Asks the locator where the leader is and swaps the channel when the answer changed.
     * Blocks while the locator waits for a leader.
     *
     * @return the address calls now go to
     * @throws NoLeaderException when the locator knows no leader
     */
    public String resolve() throws InterruptedException {
        if (locator == null) {
            return address;
        }
        String next = locator.next();
        ManagedChannel old;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the coordinator channel is closed");
            }
            if (next.equals(address)) {
                return next;
            }
            old = owned;
            owned = connector.apply(next);
            current = owned;
            String before = address;
            address = next;
            if (old != null) {
                retired.removeIf(ManagedChannel::isTerminated);
                retired.add(old);
            }
            log.debug("coordinator channel: {} -> {}", before, next);
        }
        if (old != null) {
            old.shutdown(); // calls still open there (a log stream, an upload) may finish
        }
        return next;
    }

    /** The leader's address when the locator announces one other than where calls go now. */
    public Optional<String> leaderMoved() {
        return leaderMovedFrom(address);
    }

    /** The announced leader when it is not {@code connectedTo} (a stream may stay on an older address). */
    public Optional<String> leaderMovedFrom(String connectedTo) {
        return locator == null || connectedTo == null
                ? Optional.empty()
                : locator.announced().filter(a -> !a.equals(connectedTo));
    }

    /** Where calls go now; null before the first {@link #resolve}. */
    public String address() {
        return address;
    }

    /** Where addresses come from, for messages: "a:7070,b:7070" or "ZooKeeper zk1:2181". */
    public String describe() {
        return locator == null ? String.valueOf(address) : locator.describe();
    }

    /**
     * Tells the locator what a call to {@code calledAddress} that failed with {@code error} means,
     * and says what to do. {@link #resolve} afterwards gives the address to call next.
     */
    public Failure failed(String calledAddress, Throwable error) {
        Status status = Status.fromThrowable(error);
        switch (status.getCode()) {
            case FAILED_PRECONDITION: {
                Optional<String> leader = CoordinatorLocator.leaderFrom(error);
                if (leader.isEmpty()) {
                    return Failure.OTHER; // an answer about the request, not about leadership
                }
                if (locator == null) {
                    return Failure.OTHER; // nowhere else to go: the caller shows the standby's answer
                }
                String named = leader.get();
                if (named.equals(calledAddress) || StaticCoordinatorList.addressProblem(named) != null) {
                    // It names itself (just deposed, its record not yet replaced) or nothing usable:
                    // no leader to go to right now.
                    locator.failed(calledAddress);
                    return Failure.UNREACHABLE;
                }
                locator.redirect(named);
                return Failure.REDIRECTED;
            }
            case UNAVAILABLE:
                if (locator != null) {
                    locator.failed(calledAddress);
                }
                return Failure.UNREACHABLE;
            case ABORTED:
                if (locator != null) {
                    locator.failed(calledAddress);
                }
                return Failure.DEPOSED;
            default:
                return Failure.OTHER;
        }
    }

    @Override
    public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
        Channel target = current;
        if (target == null) {
            try {
                resolve();
                target = current;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new RefusedCall<>(
                        Status.CANCELLED.withDescription("interrupted while looking for the coordinator"));
            } catch (RuntimeException e) {
                return new RefusedCall<>(
                        Status.UNAVAILABLE.withDescription(e.getMessage()).withCause(e));
            }
        }
        return target.newCall(method, options);
    }

    @Override
    public String authority() {
        Channel target = current;
        return target != null ? target.authority() : String.valueOf(address);
    }

    /** Shuts every channel this made down (in-flight calls get a moment), then closes the locator. */
    @Override
    public void close() {
        List<ManagedChannel> channels = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (owned != null) {
                channels.add(owned);
            }
            channels.addAll(retired);
            retired.clear();
        }
        channels.forEach(ManagedChannel::shutdown);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_GRACE_MILLIS);
        for (ManagedChannel channel : channels) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !channel.awaitTermination(left, TimeUnit.NANOSECONDS)) {
                    channel.shutdownNow();
                }
            } catch (InterruptedException e) {
                channel.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (locator != null) {
            locator.close();
        }
    }

    /** A call that never reaches a server: it ends at start with {@code status}. */
    private static final class RefusedCall<Q, R> extends ClientCall<Q, R> {
        private final Status status;

        RefusedCall(Status status) {
            this.status = status;
        }

        @Override
        public void start(Listener<R> listener, Metadata headers) {
            listener.onClose(status, new Metadata());
        }

        @Override
        public void request(int numMessages) {}

        @Override
        public void cancel(String message, Throwable cause) {}

        @Override
        public void halfClose() {}

        @Override
        public void sendMessage(Q message) {}
    }
}
