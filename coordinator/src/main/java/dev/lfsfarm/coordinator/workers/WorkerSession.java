package dev.lfsfarm.coordinator.workers;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.lfsfarm.common.error.FarmException;
import dev.lfsfarm.common.time.Ticker;
import dev.lfsfarm.coordinator.service.StatusMapping;
import dev.lfsfarm.proto.v1.CancelAttempt;
import dev.lfsfarm.proto.v1.CancelReason;
import dev.lfsfarm.proto.v1.Capacity;
import dev.lfsfarm.proto.v1.CoordinatorMessage;
import dev.lfsfarm.proto.v1.PlatformFacts;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Instant;

/**
 * One worker's Connect stream as the dispatcher sees it. Messages to the worker are sent only from
 * the dispatcher thread (a gRPC stream is not thread-safe); liveness is stamped from any thread,
 * on the injected ticker.
 *
 * <p>Shared: {@code lastSeenNanos} and {@code open} are volatile (stamped by the stream's threads);
 * the stream itself is guarded by {@code this}; name, instance, platform, capacity and connection
 * time are set and read on the dispatch thread only.
 */
public final class WorkerSession {
    @GuardedBy("this")
    private final StreamObserver<CoordinatorMessage> stream;

    private final String peer;
    private final Ticker ticker;
    private volatile long lastSeenNanos;

    private volatile boolean open = true;
    private String name;
    private String instanceId;
    private PlatformFacts platform;
    private Capacity capacity;
    private Instant connectedSince;

    /** @param ticker the dispatcher's ticker: silence is measured on it */
    public WorkerSession(StreamObserver<CoordinatorMessage> stream, String peer, Ticker ticker) {
        this.stream = stream;
        this.peer = peer;
        this.ticker = ticker;
        this.lastSeenNanos = ticker.nanos();
    }

    void identify(String name, String instanceId, PlatformFacts platform, Capacity capacity, Instant now) {
        this.name = name;
        this.instanceId = instanceId;
        this.platform = platform;
        this.capacity = capacity;
        this.connectedSince = now;
    }

    /** Any message from the worker counts as a sign of life. */
    public void touch() {
        lastSeenNanos = ticker.nanos();
    }

    long silentNanos() {
        return ticker.nanos() - lastSeenNanos;
    }

    /** Sends a message; any thread (the stream itself is not thread-safe, so sends are serialised). */
    public synchronized void send(CoordinatorMessage message) {
        if (!open) {
            return;
        }
        try {
            stream.onNext(message);
        } catch (RuntimeException e) {
            open = false; // the stream is gone; the lease decides what happens to its attempts
        }
    }

    /** Ends the stream with an error status. */
    public synchronized void close(Status status) {
        if (open) {
            open = false;
            try {
                stream.onError(status.asRuntimeException());
            } catch (RuntimeException e) {
                // already closed by the transport
            }
        }
    }

    /** Tells the worker to stop an attempt. */
    public void sendCancel(String attemptId, CancelReason reason, String message) {
        send(CoordinatorMessage.newBuilder()
                .setCancel(CancelAttempt.newBuilder()
                        .setAttemptId(attemptId)
                        .setReason(reason)
                        .setMessage(message))
                .build());
    }

    /** Ends the stream with the status of a core failure. */
    public void close(FarmException why) {
        close(StatusMapping.status(why));
    }

    /** The worker half-closed: finish our side too. */
    public synchronized void complete() {
        if (open) {
            open = false;
            try {
                stream.onCompleted();
            } catch (RuntimeException e) {
                // already closed by the transport
            }
        }
    }

    /** The transport ended the stream (worker gone or reconnecting). */
    public void markClosed() {
        open = false;
    }

    public boolean isOpen() {
        return open;
    }

    public String name() {
        return name;
    }

    public String instanceId() {
        return instanceId;
    }

    public PlatformFacts platform() {
        return platform;
    }

    public Capacity capacity() {
        return capacity;
    }

    public Instant connectedSince() {
        return connectedSince;
    }

    public String peer() {
        return peer;
    }
}
