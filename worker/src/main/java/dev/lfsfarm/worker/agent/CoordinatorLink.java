package dev.lfsfarm.worker.agent;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.lfsfarm.common.time.Ticker;
import dev.lfsfarm.proto.v1.WorkerMessage;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import java.time.Duration;

/**
 * The worker's half of one Connect stream. Sends are serialised (a gRPC stream is not
 * thread-safe); log chunks wait for the transport to be ready, so a build that prints faster than
 * the network carries slows down instead of filling the worker's memory.
 */
final class CoordinatorLink {
    /** Not thread-safe: every call on it holds this link's monitor. */
    @GuardedBy("this")
    private final ClientCallStreamObserver<WorkerMessage> stream;

    private final String address;
    private final Ticker ticker;

    @GuardedBy("this")
    private boolean open = true;

    /** Volatile: set by whoever abandons the stream, read by the stream's end callback. */
    private volatile Throwable abandonedBecause;

    /** A link on {@code stream} to {@code address}; {@code ticker} times the waits for a ready transport. */
    CoordinatorLink(ClientCallStreamObserver<WorkerMessage> stream, String address, Ticker ticker) {
        this.stream = stream;
        this.address = address;
        this.ticker = ticker;
    }

    /** The coordinator this stream goes to, HOST:PORT. */
    String address() {
        return address;
    }

    /**
     * Closes the stream from this side for {@code reason} (for example a Welcome from a deposed
     * coordinator); the stream's end is then handled as if the coordinator had said it.
     */
    void abandon(StatusRuntimeException reason) {
        abandonedBecause = reason;
        synchronized (this) {
            open = false;
            notifyAll();
            stream.cancel(reason.getStatus().getDescription(), reason);
        }
    }

    /** Why this side closed the stream, or null when it did not. */
    Throwable abandonedBecause() {
        return abandonedBecause;
    }

    /** Called from the transport's on-ready handler. */
    synchronized void readyChanged() {
        notifyAll();
    }

    synchronized boolean isOpen() {
        return open;
    }

    synchronized void closed() {
        open = false;
        notifyAll();
    }

    /** Sends a control message now (results, heartbeats, progress). Returns false when the stream is gone. */
    synchronized boolean send(WorkerMessage message) {
        if (!open) {
            return false;
        }
        try {
            stream.onNext(message);
            return true;
        } catch (RuntimeException e) {
            open = false;
            return false;
        }
    }

    /**
     * Sends a message once the transport is ready, waiting up to {@code patience}. Returns false if
     * the stream closed or stayed full that long (the bytes are still in the workspace log).
     */
    synchronized boolean sendWhenReady(WorkerMessage message, Duration patience) throws InterruptedException {
        long deadline = ticker.nanos() + patience.toNanos();
        while (open && !stream.isReady()) {
            long left = deadline - ticker.nanos();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return send(message);
    }

    synchronized void complete() {
        if (open) {
            open = false;
            try {
                stream.onCompleted();
            } catch (RuntimeException e) {
                // already closed
            }
        }
    }
}
