package dev.lfsfarm.worker.execute;

import dev.lfsfarm.common.recipe.Phase;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Shared plumbing of the execution tests: settings, a recording sink, and waiting with a deadline. */
final class TestRuns {

    private TestRuns() {}

    /** Settings as the worker's own user, with or without cgroups. */
    static ExecutionSettings settings(boolean cgroups) throws IOException {
        return ExecutionSettings.builder().runAsWorkerUser().cgroups(cgroups).build();
    }

    /** A sink that keeps everything. */
    static final class RecordingSink implements LogSink {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private long chunks;
        private int maxChunk;

        @Override
        public synchronized void write(byte[] chunk, Phase phase) {
            bytes.write(chunk, 0, chunk.length);
            chunks++;
            maxChunk = Math.max(maxChunk, chunk.length);
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        synchronized long size() {
            return bytes.size();
        }

        synchronized int maxChunk() {
            return maxChunk;
        }
    }

    /** One workspace, log and runner. */
    static final class Attempt implements AutoCloseable {
        final Workspace ws;
        final RecordingSink sink = new RecordingSink();
        final AttemptLog log;
        final PhaseRunner runner;

        Attempt(Path workDir, ExecutionSettings settings, long logCap) throws IOException {
            ws = Workspace.create(workDir, "b-1/pkg/1", false);
            log = new AttemptLog(ws.log(), logCap, sink);
            runner = new PhaseRunner(settings, ws, "b-1/pkg/1", log);
        }

        Map<String, String> env() {
            return PhaseEnvironment.of(ws, 2, Map.of(), Map.of()).variables();
        }

        PhaseResult run(String script) throws IOException, InterruptedException {
            return runner.run(Phase.BUILD, script, ws.src(), env());
        }

        @Override
        public void close() throws IOException {
            log.close();
        }
    }

    /** Waits until {@code condition} holds; fails after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            LockSupport.parkNanos(10_000_000L);
        }
    }
}
