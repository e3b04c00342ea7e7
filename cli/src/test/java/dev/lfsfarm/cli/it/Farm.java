package dev.lfsfarm.cli.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lfsfarm.cli.CliRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A farm on loopback for one test: a coordinator JVM and worker JVMs started from the shaded jar,
 * each with its own folders under the test's temporary folder, and helpers to run {@code farm}
 * commands against it and to await conditions with deadlines.
 *
 * <p>Commands whose behaviour is under test ({@code submit}, {@code logs}, {@code artifact get},
 * {@code retry}) run as separate JVMs ({@link #cli}). Polling while awaiting a condition runs the
 * same picocli commands ({@code status -o json}, {@code workers -o json}) inside the test JVM
 * ({@link #poll}), so a 150 ms poll does not start a JVM each time on a 2-core machine.
 *
 * <p>{@link #close()} kills every process (also after a failure) and copies every process's output
 * to {@code target/it-logs/<test>/} for diagnosis.
 */
final class Farm implements AutoCloseable {
    static final Duration CLI_TIMEOUT = Duration.ofSeconds(150);

    /**
     * How long a coordinator or worker JVM may take to come up: a liveness bound, not a speed
     * claim. On a 2-core machine at load average 18 a worker took 20 s from its start to ACTIVE.
     */
    static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    static final Duration POLL_INTERVAL = Duration.ofMillis(150);

    /** The coordinator's log line naming the address it got (it listens on port 0). */
    private static final Pattern LISTENING = Pattern.compile("listening on \\S*:(\\d+)");

    private final Path dir;
    private final String testName;
    private int port;
    private String address;
    private final List<FarmProcess> processes = new ArrayList<>();
    private final Map<String, FarmProcess> workers = new LinkedHashMap<>();
    private final List<Process> background = new ArrayList<>();
    private FarmProcess coordinator;
    private int cliRuns;

    Farm(Path dir, String testName) {
        this.dir = dir.toAbsolutePath();
        this.testName = testName;
    }

    /** {@code 127.0.0.1:PORT} of the coordinator (known once {@link #startCoordinator} has returned). */
    String address() {
        if (address == null) {
            throw new IllegalStateException("the coordinator's address is known once it has started");
        }
        return address;
    }

    /** The coordinator's port (loopback, or every address with {@link #startCoordinatorListening}). */
    int port() {
        address(); // fails before the start
        return port;
    }

    /** The coordinator JVM (null before {@link #startCoordinator}). */
    FarmProcess coordinator() {
        return coordinator;
    }

    Path dir() {
        return dir;
    }

    Path stateDir() {
        return dir.resolve("state");
    }

    Path artifactDir() {
        return dir.resolve("artifacts");
    }

    Path workDir(String worker) {
        return dir.resolve("work-" + worker);
    }

    FarmProcess worker(String name) {
        FarmProcess w = workers.get(name);
        if (w == null) {
            throw new IllegalArgumentException("no worker " + name + " started (have " + workers.keySet() + ")");
        }
        return w;
    }

    /**
     * Starts the coordinator (lease 3 s, heartbeat 0.5 s) on port 0 of loopback, reads the port it
     * got from its log, and waits until it answers there. (A port found free beforehand could be
     * taken by another process before the coordinator's JVM has started and bound it.)
     */
    Farm startCoordinator(String... extra) {
        return startCoordinatorListening("127.0.0.1", extra);
    }

    /**
     * Like {@link #startCoordinator}, but the coordinator listens on port 0 of {@code host} (for
     * example {@code 0.0.0.0}, to be reachable from a network namespace too). The CLI commands and
     * polls use {@link #address()}, loopback on that port, so {@code host} must include loopback.
     */
    Farm startCoordinatorListening(String host, String... extra) {
        String listen = host + ":0";
        List<String> args = new ArrayList<>(List.of(
                "coordinator",
                "--listen",
                listen,
                "--state-dir",
                stateDir().toString(),
                "--artifact-dir",
                artifactDir().toString(),
                "--lease-timeout",
                "3",
                "--heartbeat",
                "0.5"));
        args.addAll(List.of(extra));
        coordinator = start("coordinator", args);
        port = await("the coordinator logs the port it listens on", START_TIMEOUT, () -> {
            assertAlive(coordinator);
            Matcher m = LISTENING.matcher(coordinator.output());
            return m.find() ? Integer.parseInt(m.group(1)) : null;
        });
        address = "127.0.0.1:" + port;
        await("the coordinator answers on " + address, START_TIMEOUT, () -> {
            assertAlive(coordinator);
            CliResult r = poll("workers", "-o", "json");
            return r.exitCode() == 0 ? r : null;
        });
        return this;
    }

    /** Starts workers with 1 slot, 1 core and 2 GiB each, and waits until the coordinator lists them ACTIVE. */
    Farm startWorkers(String... names) {
        for (String name : names) {
            startWorker(name);
        }
        awaitActive(names);
        return this;
    }

    FarmProcess startWorker(String name, String... extra) {
        return startWorker(name, List.of(), address(), extra);
    }

    /**
     * Starts a worker like {@link #startWorker(String, String...)}, but as {@code PREFIX java -jar ...}
     * (for example {@code ip netns exec NS}, to run it in a network namespace) and connected to
     * {@code coordinatorAddress} instead of {@link #address()}. The prefix must exec the JVM (as
     * {@code ip netns exec} does), so killing the process kills the worker.
     */
    FarmProcess startWorker(String name, List<String> prefix, String coordinatorAddress, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "worker",
                "--coordinator",
                coordinatorAddress,
                "--name",
                name,
                "--slots",
                "1",
                "--cores",
                "1",
                "--memory-mb",
                "2048",
                "--work-dir",
                workDir(name).toString()));
        args.addAll(List.of(extra));
        FarmProcess worker = start(name, prefix, args);
        workers.put(name, worker);
        return worker;
    }

    void awaitActive(String... names) {
        for (String name : names) {
            awaitWorker(name, "ACTIVE", START_TIMEOUT);
        }
    }

    /** Waits until {@code farm workers -o json} shows {@code name} in {@code state}; returns that worker's JSON. */
    JsonNode awaitWorker(String name, String state, Duration timeout) {
        return await("worker " + name + " is " + state, timeout, () -> {
            assertAlive(coordinator);
            FarmProcess w = workers.get(name);
            if (w != null && state.equals("ACTIVE")) {
                assertAlive(w);
            }
            CliResult r = poll("workers", "-o", "json");
            if (r.exitCode() != 0) {
                return null;
            }
            for (JsonNode worker : r.json().path("workers")) {
                if (worker.path("name").asText().equals(name)
                        && worker.path("state").asText().equals(state)) {
                    return worker;
                }
            }
            return null;
        });
    }

    private FarmProcess start(String name, List<String> args) {
        return start(name, List.of(), args);
    }

    private FarmProcess start(String name, List<String> prefix, List<String> args) {
        try {
            Files.createDirectories(dir.resolve("logs"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        FarmProcess p = FarmProcess.start(name, dir.resolve("logs").resolve(name + ".log"), prefix, args);
        processes.add(p);
        return p;
    }

    /**
     * Runs {@code farm ARGS --coordinator ADDRESS} as its own JVM and returns what it did. Fails
     * when it runs longer than {@code timeout} (the process is killed).
     */
    CliResult cli(Duration timeout, String... args) {
        List<String> full = new ArrayList<>(List.of(args));
        full.add("--coordinator");
        full.add(address());
        return exec(timeout, full);
    }

    CliResult cli(String... args) {
        return cli(CLI_TIMEOUT, args);
    }

    /** Runs {@code farm ARGS} exactly as given (no --coordinator added), as its own JVM. */
    CliResult exec(Duration timeout, List<String> args) {
        int n = ++cliRuns;
        Path logs = dir.resolve("logs");
        Path out = logs.resolve("cli-" + n + ".out");
        Path err = logs.resolve("cli-" + n + ".err");
        String shown = String.join(" ", args);
        try {
            Files.createDirectories(logs);
            Files.writeString(logs.resolve("cli-" + n + ".cmd"), shown + "\n");
            ProcessBuilder builder = new ProcessBuilder(FarmProcess.command(args))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(FarmProcess.devNull()));
            FarmProcess.cleanEnvironment(builder.environment());
            Process p = builder.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("'farm " + shown + "' did not end within " + timeout.toSeconds() + " s\n"
                        + new CliResult(shown, -1, read(out), read(err)) + "\n" + diagnostics());
            }
            return new CliResult(shown, p.exitValue(), read(out), read(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running farm " + shown, e);
        }
    }

    /** A {@code farm} command running in the background as its own JVM. */
    final class Background {
        private final String shown;
        private final Process process;
        private final Path out;
        private final Path err;

        private Background(String shown, Process process, Path out, Path err) {
            this.shown = shown;
            this.process = process;
            this.out = out;
            this.err = err;
        }

        boolean isAlive() {
            return process.isAlive();
        }

        /** Waits until the command ends; fails (and kills it) when it runs past {@code timeout}. */
        CliResult await(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("'farm " + shown + "' did not end within " + timeout.toSeconds() + " s\n"
                            + new CliResult(shown, -1, read(out), read(err)) + "\n" + diagnostics());
                }
                return new CliResult(shown, process.exitValue(), read(out), read(err));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for farm " + shown, e);
            }
        }

        /** Bytes written to stdout so far. */
        long stdoutBytes() {
            try {
                return Files.size(out);
            } catch (IOException e) {
                return 0;
            }
        }
    }

    /** Starts {@code farm ARGS --coordinator ADDRESS} in the background, as its own JVM. */
    Background cliInBackground(String... args) {
        List<String> full = new ArrayList<>(List.of(args));
        full.add("--coordinator");
        full.add(address());
        int n = ++cliRuns;
        Path logs = dir.resolve("logs");
        Path out = logs.resolve("cli-" + n + ".out");
        Path err = logs.resolve("cli-" + n + ".err");
        String shown = String.join(" ", full);
        try {
            Files.createDirectories(logs);
            Files.writeString(logs.resolve("cli-" + n + ".cmd"), shown + "\n");
            ProcessBuilder builder = new ProcessBuilder(FarmProcess.command(full))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(FarmProcess.devNull()));
            FarmProcess.cleanEnvironment(builder.environment());
            Process p = builder.start();
            background.add(p);
            return new Background(shown, p, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a read-only command in this JVM, for polling: the same picocli command, no JVM start. */
    CliResult poll(String... args) {
        List<String> full = new ArrayList<>(List.of(args));
        full.add("--coordinator");
        full.add(address());
        CliRun run = CliRun.of(full.toArray(String[]::new));
        return new CliResult(String.join(" ", full), run.exitCode(), run.out(), run.err());
    }

    /** {@code farm status BUILD -o json}, polled in this JVM; fails unless it exits 0. */
    JsonNode status(String buildId) {
        CliResult r = poll("status", buildId, "-o", "json");
        if (r.exitCode() != 0) {
            throw new AssertionError("farm status failed\n" + r);
        }
        return r.json();
    }

    /** Waits until the status JSON of a build satisfies {@code condition}, and returns it. */
    JsonNode awaitStatus(String buildId, String what, Duration timeout, Predicate<JsonNode> condition) {
        return await(what + " (build " + buildId + ")", timeout, () -> {
            assertAlive(coordinator);
            JsonNode s = status(buildId);
            return condition.test(s) ? s : null;
        });
    }

    /** Waits until the build is SUCCEEDED, FAILED or CANCELLED. */
    JsonNode awaitFinished(String buildId, Duration timeout) {
        return awaitStatus(
                buildId,
                "the build ends",
                timeout,
                s -> List.of("SUCCEEDED", "FAILED", "CANCELLED")
                        .contains(s.path("state").asText()));
    }

    /** A probe: returns null while the condition does not hold; may throw to give up at once. */
    @FunctionalInterface
    interface Probe<T> {
        T attempt() throws Exception;
    }

    /**
     * Polls {@code probe} every {@link #POLL_INTERVAL} until it returns non-null or the deadline
     * passes; then fails, naming the condition, the last value or error seen and the processes' logs.
     */
    <T> T await(String what, Duration timeout, Probe<T> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Throwable last = null;
        while (true) {
            try {
                T value = probe.attempt();
                if (value != null) {
                    return value;
                }
                last = null;
            } catch (AssertionError e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                String lastSeen = last == null ? "" : "\nlast error: " + last;
                throw new AssertionError(
                        "timed out after " + timeout.toSeconds() + " s waiting until " + what + lastSeen + "\n"
                                + diagnostics(),
                        last);
            }
            try {
                Thread.sleep(POLL_INTERVAL.toMillis()); // the poll interval of this await loop, not synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting until " + what, e);
            }
        }
    }

    /** Fails at once (instead of at the deadline) when a farm process died unexpectedly. */
    static void assertAlive(FarmProcess p) {
        if (p != null && !p.isAlive()) {
            throw new AssertionError(p + " exited unexpectedly; its output:\n" + tail(p.output(), 8000));
        }
    }

    /** The end of every process's output, for failure messages. */
    String diagnostics() {
        StringBuilder text = new StringBuilder();
        for (FarmProcess p : processes) {
            text.append("--- ")
                    .append(p)
                    .append(", last lines of ")
                    .append(p.outputFile())
                    .append(" ---\n")
                    .append(tail(p.output(), 4000))
                    .append('\n');
        }
        return text.toString();
    }

    static String tail(String s, int chars) {
        return s.length() <= chars ? s : "…" + s.substring(s.length() - chars);
    }

    @Override
    public void close() {
        for (Process p : background) {
            p.destroyForcibly();
        }
        for (FarmProcess p : processes) {
            p.cleanUp();
        }
        keepLogs();
    }

    /** Copies the processes' output to target/it-logs/TEST/, since the temporary folder is deleted. */
    private void keepLogs() {
        Path logs = dir.resolve("logs");
        if (!Files.isDirectory(logs)) {
            return;
        }
        Path keep =
                Path.of(System.getProperty("farm.it.logs", "target/it-logs")).resolve(testName);
        try (var files = Files.list(logs)) {
            if (Files.isDirectory(keep)) {
                try (var old = Files.list(keep)) {
                    for (Path f : old.toList()) {
                        Files.deleteIfExists(f); // the logs of an earlier run of this test
                    }
                }
            }
            Files.createDirectories(keep);
            for (Path f : files.toList()) {
                Files.copy(f, keep.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("could not keep the farm logs in " + keep + ": " + e);
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
