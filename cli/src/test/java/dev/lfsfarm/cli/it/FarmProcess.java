package dev.lfsfarm.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code java -jar farm.jar ...} JVM: a coordinator, a worker or a CLI command. Its stdout and
 * stderr go to a file of its own (never to the console, which CI reads).
 */
final class FarmProcess {
    /** JVM options for the farm processes: small heaps and quick start-up, on a 2-core CI machine. */
    private static final List<String> JVM_OPTIONS =
            List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

    private final String name;
    private final Process process;
    private final Path output;
    private final List<ProcessHandle> orphans = new java.util.concurrent.CopyOnWriteArrayList<>();

    private FarmProcess(String name, Process process, Path output) {
        this.name = name;
        this.process = process;
        this.output = output;
    }

    /** The shaded jar: the failsafe property {@code farm.jar}, else {@code target/farm.jar} (cwd = cli module). */
    static Path jar() {
        Path jar = Path.of(System.getProperty("farm.jar", "target/farm.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    jar + " does not exist: run 'mvn -pl cli package' (failsafe runs after package)");
        }
        return jar;
    }

    /** The examples folder of the checkout: the failsafe property {@code farm.examples}, else ../examples. */
    static Path examples() {
        return Path.of(System.getProperty("farm.examples", "../examples"))
                .toAbsolutePath()
                .normalize();
    }

    static List<String> command(List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(args);
        return command;
    }

    /** Starts {@code farm ARGS} in the background, output (both streams) to {@code output}. */
    static FarmProcess start(String name, Path output, List<String> args) {
        return start(name, output, List.of(), args);
    }

    /**
     * Starts {@code PREFIX java ... -jar farm.jar ARGS} in the background (for example with the
     * prefix {@code ip netns exec NS}); an empty prefix is {@link #start(String, Path, List)}.
     */
    static FarmProcess start(String name, Path output, List<String> prefix, List<String> args) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(command(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(devNull()));
        cleanEnvironment(builder.environment());
        try {
            return new FarmProcess(name, builder.start(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** The tests' settings come from flags only: no FARM_* variable of the machine running them leaks in. */
    static void cleanEnvironment(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith("FARM_"));
        env.put("FARM_LOG_LEVEL", "INFO");
    }

    static java.io.File devNull() {
        return new java.io.File("/dev/null");
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path outputFile() {
        return output;
    }

    /** What the process printed so far. */
    String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + output + ": " + e + ")";
        }
    }

    /**
     * SIGKILL of the JVM alone (destroyForcibly is SIGKILL on Linux), as a crash: the phases it ran
     * live on as orphans, as they would on a real host. They are remembered so {@link #cleanUp()}
     * can end them.
     */
    void kill() {
        process.descendants().forEach(orphans::add);
        process.destroyForcibly();
        waitGone(Duration.ofSeconds(10));
    }

    /** Ends the process, everything it started and every orphan of an earlier {@link #kill()}. */
    void cleanUp() {
        process.descendants().forEach(orphans::add);
        process.destroyForcibly();
        waitGone(Duration.ofSeconds(10));
        for (ProcessHandle orphan : orphans) {
            orphan.destroyForcibly();
        }
        for (ProcessHandle orphan : orphans) {
            try {
                orphan.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // gone already, or not ours to wait for
            }
        }
    }

    /** SIGTERM, then waits; SIGKILL when it does not end in time. */
    void stop(Duration patience) {
        process.destroy();
        if (!waitGone(patience)) {
            kill();
        }
    }

    private boolean waitGone(Duration patience) {
        try {
            return process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + (process.isAlive() ? "" : ", exited " + process.exitValue()) + ")";
    }
}
