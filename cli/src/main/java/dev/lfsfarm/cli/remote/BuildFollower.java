package dev.lfsfarm.cli.remote;

import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildEvent;
import dev.lfsfarm.proto.v1.BuildProgress;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.WatchBuildRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Locale;

/**
 * Follows a build until it ends. On a terminal it redraws one progress line (done/running/failed/
 * cached counts and an ETA from the SBU still to build); elsewhere it prints a line per finished
 * package. Progress goes to stderr so stdout stays for the result.
 *
 * <p>A broken stream (the leader died or was deposed) is resumed: the follower finds the leader
 * again, calls WatchBuild with the resume token of the last event, and says when the coordinator
 * changed; a new leader answers with a fresh snapshot (resync), so no state change is missed. It
 * gives up (UNAVAILABLE, exit 3) only when no leader answers for the session's retry time.
 */
final class BuildFollower {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final CoordinatorSession session;
    private final PrintWriter err;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private boolean lineDrawn;

    BuildFollower(CoordinatorSession session, PrintWriter err, boolean terminal) {
        this.session = session;
        this.err = err;
        this.terminal = terminal;
        session.beforeNotes(this::clearLine);
    }

    /** Watches until the build ends and returns it with every package. */
    Build follow(String buildId) throws Exception {
        String token = "";
        CoordinatorSession.Outage outage = session.outage();
        boolean lost = false;
        while (true) {
            String address = session.resolve(outage);
            try {
                Iterator<BuildEvent> events = session.stub()
                        .watchBuild(WatchBuildRequest.newBuilder()
                                .setBuildId(buildId)
                                .setResumeToken(token)
                                .build());
                boolean answered = false;
                while (events.hasNext()) {
                    BuildEvent event = events.next();
                    if (!answered) {
                        answered = true;
                        boolean changed = session.answered(address);
                        outage = session.outage();
                        if (lost && !changed) {
                            session.note("reconnected to " + address);
                        }
                        lost = false;
                    }
                    show(event);
                    if (!event.getResumeToken().isEmpty()) {
                        token = event.getResumeToken();
                    }
                }
                break;
            } catch (StatusRuntimeException e) {
                if (lost && !token.isEmpty() && e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
                    // A coordinator that cannot read another's token: a fresh snapshot is as good.
                    token = "";
                    continue;
                }
                session.recover(address, e, outage);
                if (!lost && e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                    lost = true;
                    session.note("lost the coordinator at " + address + " (" + CoordinatorSession.reason(e)
                            + "); reconnecting");
                }
            }
        }
        if (lineDrawn) {
            err.println(); // the last progress line stays on screen
            lineDrawn = false;
        }
        err.flush();
        return session.call((stub, channel) -> stub.getBuild(
                        GetBuildRequest.newBuilder().setBuildId(buildId).build())
                .getBuild());
    }

    /** Ends the redrawn progress line, so a note starts on a line of its own. */
    private void clearLine() {
        if (lineDrawn) {
            err.print("\r\033[K");
            lineDrawn = false;
        }
    }

    private void show(BuildEvent event) {
        switch (event.getEventCase()) {
            case SNAPSHOT -> {
                BuildProgress p = event.getSnapshot().getBuild().getProgress();
                if (event.getSnapshot().getResync() && !terminal) {
                    // Packages that finished while no stream was open get no line of their own.
                    err.printf(
                            Locale.ROOT,
                            "%s resync: %d/%d done, %d running, %d failed%n",
                            now(),
                            p.getDone(),
                            p.getTotal(),
                            p.getRunning(),
                            p.getFailed());
                }
                progress(p);
            }
            case PROGRESS -> progress(event.getProgress());
            case PACKAGE_STATE_CHANGED ->
                packageChanged(event.getPackageStateChanged().getStatus());
            case BUILD_STATE_CHANGED -> {
                if (!terminal) {
                    err.println(now() + " build "
                            + event.getBuildStateChanged().getState().name().replace("BUILD_STATE_", "")
                            + (event.getBuildStateChanged().getMessage().isEmpty()
                                    ? ""
                                    : ": " + event.getBuildStateChanged().getMessage()));
                }
            }
            default -> {}
        }
        err.flush();
    }

    private void packageChanged(PackageStatus s) {
        if (terminal) {
            if (s.getState() == PackageState.PACKAGE_STATE_FAILED) {
                err.print("\r\033[K");
                lineDrawn = false;
                err.println("FAILED " + s.getPackageId() + ": " + BuildText.note(s));
            }
            return;
        }
        String state = BuildJson.state(s);
        switch (s.getState()) {
            case PACKAGE_STATE_RUNNING ->
                err.println(now() + " " + state + "   " + s.getPackageId() + " on " + s.getWorker());
            case PACKAGE_STATE_SUCCEEDED ->
                err.printf(
                        Locale.ROOT,
                        "%s %s %s (%.1f s on %s)%n",
                        now(),
                        state,
                        s.getPackageId(),
                        s.getWallSeconds(),
                        s.getWorker());
            case PACKAGE_STATE_CACHED, PACKAGE_STATE_SKIPPED, PACKAGE_STATE_FAILED, PACKAGE_STATE_CANCELLED ->
                err.println(now() + " " + state + " " + s.getPackageId() + noteOf(s));
            default -> {}
        }
    }

    private static String noteOf(PackageStatus s) {
        String note = BuildText.note(s);
        return note == null || note.isEmpty() || note.equals("cached") ? "" : ": " + note;
    }

    private void progress(BuildProgress p) {
        if (!terminal) {
            return;
        }
        int width = 30;
        int filled = p.getTotal() == 0 ? width : (int) ((long) p.getDone() * width / p.getTotal());
        String bar = "#".repeat(filled) + ".".repeat(width - filled);
        err.printf(
                Locale.ROOT,
                "\r\033[K[%s] %d/%d done · %d running · %d failed · %d cached%s",
                bar,
                p.getDone(),
                p.getTotal(),
                p.getRunning(),
                p.getFailed(),
                p.getCached(),
                eta(p));
        lineDrawn = true;
    }

    /** Time left, from the rate at which SBU got done so far. */
    private String eta(BuildProgress p) {
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        if (p.getSbuDone() <= 0 || p.getSbuTotal() <= p.getSbuDone() || elapsed < 1) {
            return "";
        }
        long left = Math.round(elapsed * (p.getSbuTotal() - p.getSbuDone()) / p.getSbuDone());
        return String.format(Locale.ROOT, " · ETA %d:%02d", left / 60, left % 60);
    }

    private static String now() {
        return LocalTime.now().format(CLOCK);
    }
}
