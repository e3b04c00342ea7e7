package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.proto.v1.Capacity;
import dev.lfsfarm.proto.v1.CoordinatorMessage;
import dev.lfsfarm.proto.v1.PlatformFacts;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Instant;

/**
 * One worker's Connect stream as the dispatcher sees it. Messages to the worker are sent only from
 * the dispatcher thread (a gRPC stream is not thread-safe); liveness is stamped from any thread.
 */
public final class WorkerSession {
    private final StreamObserver<CoordinatorMessage> stream;
    private final String peer;
    private volatile long lastSeenNanos = System.nanoTime();
    private volatile boolean open = true;
    private String name;
    private String instanceId;
    private PlatformFacts platform;
    private Capacity capacity;
    private Instant connectedSince;

    public WorkerSession(StreamObserver<CoordinatorMessage> stream, String peer) {
        this.stream = stream;
        this.peer = peer;
    }

    void identify(String name, String instanceId, PlatformFacts platform, Capacity capacity) {
        this.name = name;
        this.instanceId = instanceId;
        this.platform = platform;
        this.capacity = capacity;
        this.connectedSince = Instant.now();
    }

    /** Any message from the worker counts as a sign of life. */
    public void touch() {
        lastSeenNanos = System.nanoTime();
    }

    long silentNanos() {
        return System.nanoTime() - lastSeenNanos;
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
