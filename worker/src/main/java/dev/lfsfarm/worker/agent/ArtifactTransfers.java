package dev.lfsfarm.worker.agent;

import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.concurrent.DaemonThreadFactory;
import dev.lfsfarm.common.leader.LeaderChannel;
import dev.lfsfarm.common.retry.Backoff;
import dev.lfsfarm.common.time.Ticker;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.worker.metrics.WorkerMetrics;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Status;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Artifact uploads and downloads that survive a leader change: when the coordinator dies or is
 * deposed in the middle of a transfer, the transfer is repeated against the new leader instead
 * of failing the attempt (a finished build must not be thrown away because its upload met a
 * failover). Only leadership-shaped failures are retried; a digest mismatch fails at once.
 */
final class ArtifactTransfers {
    private static final Logger log = LoggerFactory.getLogger(ArtifactTransfers.class);
    /** Longer than a failover (session timeout + election + restore) with room to spare. */
    static final Duration PATIENCE = Duration.ofSeconds(120);
    /** The first wait before a transfer is tried again. */
    static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    /** The longest wait: a failover takes seconds, so the new leader is looked for often. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

    /** One thread for every transfer's leader watch; the watch and the transfer share an atomic flag. */
    private static final ScheduledExecutorService WATCHDOG =
            Executors.newSingleThreadScheduledExecutor(DaemonThreadFactory.named("transfer-watchdog"));

    private final LeaderChannel coordinators;
    private final ArtifactClient client;
    private final WorkerMetrics metrics;
    private final Ticker ticker;

    /** Transfers through {@code coordinators}; {@code ticker} times the {@link #PATIENCE} for a new leader. */
    ArtifactTransfers(LeaderChannel coordinators, WorkerMetrics metrics, Ticker ticker) {
        this.coordinators = coordinators;
        this.client = new ArtifactClient(ClientInterceptors.intercept(coordinators, metrics.clientInterceptor()));
        this.metrics = metrics;
        this.ticker = ticker;
    }

    /** Uploads the files the store lacks (one FindMissing for all) and returns their digests in order. */
    List<Digest> upload(List<ArtifactClient.Upload> files) throws IOException {
        List<Digest> digests = retried(
                "upload of "
                        + files.stream()
                                .map(u -> u.file().getFileName().toString())
                                .collect(Collectors.joining(", ")),
                () -> client.uploadAll(files));
        digests.forEach(d -> metrics.uploaded(d.getSizeBytes()));
        return digests;
    }

    /** Counts bytes sent with a result instead of uploaded (they are upload bytes all the same). */
    void sentInline(long bytes) {
        metrics.uploaded(bytes);
    }

    void download(Digest digest, Path to) throws IOException {
        retried("download of " + digest.getSha256(), () -> {
            client.download(digest, to);
            return null;
        });
        metrics.downloaded(digest.getSizeBytes());
    }

    @FunctionalInterface
    private interface Transfer<T> {
        T run() throws IOException;
    }

    private <T> T retried(String what, Transfer<T> transfer) throws IOException {
        long deadline = ticker.nanos() + PATIENCE.toNanos();
        Backoff backoff = new Backoff(FIRST_BACKOFF, MAX_BACKOFF, 0); // this call's own: confined to its thread
        while (true) {
            String address = coordinators.address();
            AtomicBoolean moved = new AtomicBoolean();
            try {
                return watched(address, moved, transfer);
            } catch (IOException | RuntimeException e) {
                Status status = Status.fromThrowable(e);
                boolean leadership = moved.get()
                        || status.getCode() == Status.Code.UNAVAILABLE
                        || status.getCode() == Status.Code.ABORTED
                        || status.getCode() == Status.Code.FAILED_PRECONDITION
                        || status.getCode() == Status.Code.DEADLINE_EXCEEDED; // a transfer to a frozen leader
                if (!leadership
                        || address == null
                        || (!moved.get() && coordinators.failed(address, e) == LeaderChannel.Failure.OTHER)
                        || ticker.nanos() - deadline > 0) {
                    throw e;
                }
                Duration delay = backoff.next();
                log.warn(
                        "{} failed ({}: {}); trying the leader again in {} ms",
                        what,
                        status.getCode(),
                        status.getDescription(),
                        delay.toMillis());
                pause(delay);
                try {
                    coordinators.resolve();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException(what + " interrupted");
                } catch (RuntimeException noLeaderYet) {
                    log.debug("no leader yet: {}", noLeaderYet.getMessage());
                }
            }
        }
    }

    /**
     * Runs the transfer in a cancellable gRPC context that is cancelled when ZooKeeper announces a
     * leader other than {@code address}: a transfer to a frozen leader would otherwise hang until
     * its deadline, holding the attempt's result back from the new leader.
     */
    private <T> T watched(String address, AtomicBoolean moved, Transfer<T> transfer) throws IOException {
        Context.CancellableContext context = Context.current().withCancellation();
        ScheduledFuture<?> watchdog = address == null
                ? null
                : WATCHDOG.scheduleWithFixedDelay(
                        () -> coordinators.leaderMovedFrom(address).ifPresent(leader -> {
                            moved.set(true);
                            context.cancel(Status.UNAVAILABLE
                                    .withDescription("the leader moved to " + leader)
                                    .asRuntimeException());
                        }),
                        500,
                        500,
                        TimeUnit.MILLISECONDS);
        Context previous = context.attach();
        try {
            return transfer.run();
        } finally {
            context.detach(previous);
            if (watchdog != null) {
                watchdog.cancel(false);
            }
            context.cancel(null);
        }
    }

    private static void pause(Duration delay) throws InterruptedIOException {
        try {
            Thread.sleep(delay.toMillis()); // backoff between retries, not synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the coordinator");
        }
    }
}
