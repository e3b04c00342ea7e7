package dev.lfsfarm.cli.remote;

import dev.lfsfarm.common.leader.LeaderChannel;
import dev.lfsfarm.common.leader.NoLeaderException;
import dev.lfsfarm.common.retry.Backoff;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One CLI command's connection to the leading coordinator. A call that finds no leader
 * (UNAVAILABLE, or a standby's FAILED_PRECONDITION naming the leader) is made again against the
 * re-resolved or named leader, for a bounded time; only then does the command give up with
 * UNAVAILABLE (exit 3). Every other answer goes to the caller at once.
 *
 * <p>What is safe to repeat is the caller's concern: every BuildService call the CLI makes is
 * (reads, idempotent writes, SubmitBuild with its request id, uploads by digest).
 */
public final class CoordinatorSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorSession.class);
    /** Waits between rounds of an outage: 200 ms doubling to 3 s, plus up to a quarter at random. */
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);

    private static final Duration MAX_BACKOFF = Duration.ofSeconds(3);
    private static final double BACKOFF_JITTER = 0.25;
    private static final Pattern NATIVE_ERROR = Pattern.compile("^\\w+\\(\\.\\.\\) failed with error\\(-?\\d+\\): ");

    /** Work done with a blocking BuildService stub and the channel (for ArtifactClient). */
    @FunctionalInterface
    public interface Work<T> {
        T run(BuildServiceGrpc.BuildServiceBlockingStub stub, Channel channel) throws Exception;
    }

    private final LeaderChannel channel;
    private final CoordinatorOptions.Source source;
    private final PrintWriter err;
    private final Duration retryFor;
    private String answered;
    private Runnable beforeNote = () -> {};

    CoordinatorSession(LeaderChannel channel, CoordinatorOptions.Source source, PrintWriter err, Duration retryFor) {
        this.channel = channel;
        this.source = source;
        this.err = err;
        this.retryFor = retryFor;
    }

    /** A session over one channel that is never swapped (a coordinator in this process). */
    static CoordinatorSession over(Channel fixed, PrintWriter err) {
        return new CoordinatorSession(
                LeaderChannel.fixed(fixed),
                new CoordinatorOptions.Source(false, fixed.authority(), "the local farm"),
                err,
                CoordinatorOptions.retryFor());
    }

    /** Runs before each note line (the follower clears its progress line there). */
    void beforeNotes(Runnable action) {
        beforeNote = action;
    }

    Channel channel() {
        return channel;
    }

    BuildServiceGrpc.BuildServiceBlockingStub stub() {
        return BuildServiceGrpc.newBlockingStub(channel);
    }

    /** Runs {@code work} until a leader answers it; see the class comment. */
    <T> T call(Work<T> work) throws Exception {
        Outage outage = outage();
        while (true) {
            String address = resolve(outage);
            try {
                T result = work.run(stub(), channel);
                answered(address);
                return result;
            } catch (StatusRuntimeException e) {
                recover(address, e, outage);
            }
        }
    }

    /** A new stretch of retries, bounded by the session's retry time from now. */
    Outage outage() {
        return new Outage(retryFor);
    }

    /**
     * The address to call now. Waits (backoff) when every address of this round failed already;
     * throws UNAVAILABLE once the outage has lasted the retry time.
     */
    String resolve(Outage outage) throws InterruptedException {
        while (true) {
            String address;
            try {
                address = channel.resolve();
            } catch (NoLeaderException e) {
                outage.failed(null, e.getMessage());
                pause(outage);
                continue;
            }
            if (outage.tried.add(address)) {
                return address;
            }
            // Every address of this round failed: wait before the next round.
            outage.tried.clear();
            pause(outage);
        }
    }

    /**
     * After {@code e} from {@code address}: returns when the call should be made again (the
     * locator already knows where), throws when it should not.
     */
    void recover(String address, StatusRuntimeException e, Outage outage) throws InterruptedException {
        switch (channel.failed(address, e)) {
            case REDIRECTED ->
                log.debug("{} is a standby: {}", address, e.getStatus().getDescription());
            case UNREACHABLE -> outage.failed(address, reason(e));
            default -> throw e;
        }
    }

    /**
     * A call to {@code address} got an answer: says so when it is not the coordinator that
     * answered before (a redirect on the first call is no change: nothing was said there yet).
     *
     * @return whether the coordinator changed
     */
    boolean answered(String address) {
        boolean changed = answered != null && !answered.equals(address);
        if (changed) {
            note("coordinator changed: now " + address);
        }
        answered = address;
        return changed;
    }

    /** One line on stderr, prefixed like every CLI note. */
    void note(String line) {
        beforeNote.run();
        err.println("farm: " + line);
        err.flush();
    }

    private void pause(Outage outage) throws InterruptedException {
        long left = outage.deadline - System.nanoTime();
        if (left <= 0) {
            throw Status.UNAVAILABLE
                    .withDescription("no answer from " + source.describe() + " within " + retryFor.toSeconds() + " s"
                            + (outage.lastProblem == null ? "" : " (last: " + outage.lastProblem + ")"))
                    .asRuntimeException();
        }
        if (!outage.noted) {
            outage.noted = true;
            note("no coordinator answers (" + outage.lastProblem + "); retrying for up to " + retryFor.toSeconds()
                    + " s");
        }
        long wait = Math.min(outage.backoff.next().toMillis(), TimeUnit.NANOSECONDS.toMillis(left) + 1);
        Thread.sleep(wait);
    }

    /** What went wrong, for a person: the transport's reason rather than gRPC's "io exception". */
    static String reason(StatusRuntimeException e) {
        Status status = e.getStatus();
        Throwable cause = status.getCause() != null ? status.getCause() : e.getCause();
        if (cause != null && cause.getMessage() != null) {
            // Netty's native transport says "finishConnect(..) failed with error(-111): Connection refused: /h:p".
            return NATIVE_ERROR.matcher(cause.getMessage()).replaceFirst("");
        }
        return status.getDescription() != null
                ? status.getDescription()
                : status.getCode().toString().toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        channel.close();
    }

    /** One stretch without an answer: its deadline, backoff, the addresses tried this round, and the last problem. */
    static final class Outage {
        private final long deadline;
        private final Set<String> tried = new HashSet<>();
        private final Backoff backoff = new Backoff(FIRST_BACKOFF, MAX_BACKOFF, BACKOFF_JITTER);
        private String lastProblem;
        private boolean noted;

        private Outage(Duration retryFor) {
            this.deadline = System.nanoTime() + retryFor.toNanos();
        }

        void failed(String address, String problem) {
            lastProblem = address == null ? problem : address + ": " + problem;
        }
    }
}
