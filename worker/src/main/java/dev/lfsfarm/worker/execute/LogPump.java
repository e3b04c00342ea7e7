package dev.lfsfarm.worker.execute;

import dev.lfsfarm.common.concurrent.DaemonThreadFactory;
import dev.lfsfarm.common.recipe.Phase;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Copies a phase's merged stdout/stderr into the attempt log, in chunks of at most 64 KiB that end
 * at a line boundary while more output is pending, and as soon as the pipe is idle otherwise (so a
 * prompt without a newline still shows up at once).
 *
 * <p>If the log cannot be written (the sink failed), the pump keeps draining the pipe and discards
 * what it reads, so that the build never hangs on a full pipe; the first error is kept for the
 * runner to report.
 *
 * <p>Pumps run on a shared pool of daemon threads: a phase of a few milliseconds should not pay
 * for starting a thread of its own.
 */
final class LogPump implements Runnable {

    static final int CHUNK = 64 << 10;

    private static final ExecutorService PUMPS =
            Executors.newCachedThreadPool(DaemonThreadFactory.numbered("phase-log"));

    private final InputStream in;
    private final AttemptLog log;
    private final Phase phase;
    private final CountDownLatch ended = new CountDownLatch(1);
    /** Written by the pump's thread only; volatile, read by the runner after {@link #join}. */
    private volatile Exception error;

    LogPump(InputStream in, AttemptLog log, Phase phase) {
        this.in = in;
        this.log = log;
        this.phase = phase;
    }

    void start() {
        PUMPS.execute(this);
    }

    /** Waits for the end of the output, at most {@code millis}; returns whether it ended. */
    boolean join(long millis) throws InterruptedException {
        return ended.await(millis, TimeUnit.MILLISECONDS);
    }

    Exception error() {
        return error;
    }

    @Override
    public void run() {
        byte[] buf = new byte[CHUNK];
        int fill = 0;
        try {
            while (true) {
                int n = in.read(buf, fill, buf.length - fill);
                if (n < 0) {
                    emit(buf, 0, fill);
                    return;
                }
                fill += n;
                if (fill == buf.length || in.available() == 0) {
                    emit(buf, 0, fill);
                    fill = 0;
                    continue;
                }
                int nl = lastNewline(buf, fill);
                if (nl >= 0) {
                    emit(buf, 0, nl + 1);
                    System.arraycopy(buf, nl + 1, buf, 0, fill - nl - 1);
                    fill -= nl + 1;
                }
            }
        } catch (IOException e) {
            if (error == null) {
                error = e;
            }
        } finally {
            try {
                in.close();
            } catch (IOException e) {
                // nothing left to do with it
            }
            ended.countDown();
        }
    }

    private void emit(byte[] buf, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        if (error != null) {
            return;
        }
        try {
            log.write(phase, buf, off, len);
        } catch (IOException | RuntimeException e) {
            error = e;
        } catch (InterruptedException e) {
            error = e;
            Thread.currentThread().interrupt();
        }
    }

    private static int lastNewline(byte[] buf, int fill) {
        for (int i = fill - 1; i >= 0; i--) {
            if (buf[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
