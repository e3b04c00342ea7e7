package dev.lfsfarm.worker.execute;

import static dev.lfsfarm.worker.execute.TestRuns.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lfsfarm.common.recipe.Phase;
import dev.lfsfarm.common.time.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PhaseRunnerTest {

    @TempDir
    Path tmp;

    @Test
    void cgroupNamesOfTwoWorkersNeverCollideForTheSameAttemptId() throws Exception {
        // Two farms on one host both number their first attempt "1-1"; their phase cgroups share a
        // parent, so the name must tell the workers apart (by work folder) and stay stable for one.
        Workspace a = Workspace.create(tmp.resolve("farm-a/attempts"), "1-1", false);
        Workspace b = Workspace.create(tmp.resolve("farm-b/attempts"), "1-1", false);
        Workspace aAgain = Workspace.create(tmp.resolve("farm-a/attempts"), "1-1", false);

        String nameA = PhaseRunner.cgroupName(a, "1-1", Phase.BUILD);
        assertThat(nameA).startsWith("attempt-").endsWith("-1-1-build");
        assertThat(PhaseRunner.cgroupName(b, "1-1", Phase.BUILD)).isNotEqualTo(nameA);
        assertThat(PhaseRunner.cgroupName(aAgain, "1-1", Phase.BUILD)).isEqualTo(nameA);
    }

    @Test
    void phaseSeesExactlyTheContractEnvironment() throws Exception {
        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp, TestRuns.settings(true), AttemptLog.DEFAULT_CAP_BYTES)) {
            PhaseResult r = a.run("env -0 > \"$DESTDIR/env\"");

            assertThat(r.status()).isEqualTo(PhaseResult.Status.SUCCEEDED);
            Map<String, String> seen = Arrays.stream(
                            Files.readString(a.ws.dest().resolve("env"), StandardCharsets.UTF_8)
                                    .split("\0"))
                    .filter(s -> !s.isEmpty())
                    .collect(Collectors.toMap(
                            s -> s.substring(0, s.indexOf('=')), s -> s.substring(s.indexOf('=') + 1)));
            Set<String> expected = new HashSet<>(a.env().keySet());
            expected.addAll(List.of("PWD", "SHLVL", "_")); // bash's own
            assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(seen.keySet())
                    .containsAll(List.of(
                            "DESTDIR",
                            "FARM_SYSROOT",
                            "FARM_SOURCES",
                            "FARM_JOBS",
                            "MAKEFLAGS",
                            "PATH",
                            "PKG_CONFIG_SYSROOT_DIR",
                            "PKG_CONFIG_LIBDIR",
                            "CPPFLAGS",
                            "LDFLAGS",
                            "LD_LIBRARY_PATH",
                            "CMAKE_PREFIX_PATH",
                            "HOME",
                            "TMPDIR",
                            "LC_ALL",
                            "SHELL",
                            "TERM"));
            assertThat(seen.get("HOME"))
                    .isEqualTo(a.ws.home().toString())
                    .isNotEqualTo(System.getProperty("user.home"));
            assertThat(seen.get("PWD")).isEqualTo(a.ws.src().toString());
            assertThat(seen.get("MAKEFLAGS")).isEqualTo("-j2");
            // Nothing of the JVM's own environment leaks, except by coincidence of value.
            for (String name : System.getenv().keySet()) {
                if (!expected.contains(name)) {
                    assertThat(seen).doesNotContainKey(name);
                }
            }
            for (Map.Entry<String, String> e : a.env().entrySet()) {
                assertThat(seen).containsEntry(e.getKey(), e.getValue());
            }
        }
    }

    @Test
    void setEStopsAtTheFirstFailingCommand() throws Exception {
        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp, TestRuns.settings(true), AttemptLog.DEFAULT_CAP_BYTES)) {
            PhaseResult r = a.run("echo before\nfalse\necho reached-the-end");

            assertThat(r.status()).isEqualTo(PhaseResult.Status.FAILED);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.signal()).isZero();
            assertThat(a.sink.text()).contains("before").doesNotContain("reached-the-end");
        }
    }

    @Test
    void exitStatusAndPipefailAreReported() throws Exception {
        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp, TestRuns.settings(true), AttemptLog.DEFAULT_CAP_BYTES)) {
            assertThat(a.run("exit 7").exitCode()).isEqualTo(7);
            assertThat(a.run("(exit 3) | cat").exitCode()).isEqualTo(3);
            assertThat(a.run("true").status()).isEqualTo(PhaseResult.Status.SUCCEEDED);
        }
    }

    @Test
    void stdinIsEmptyAndStderrIsMergedInOrder() throws Exception {
        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp, TestRuns.settings(true), AttemptLog.DEFAULT_CAP_BYTES)) {
            PhaseResult r = a.run("read -r line || echo no-input; echo out1; echo err1 >&2; echo out2");

            assertThat(r.succeeded()).isTrue();
            assertThat(a.sink.text()).containsSubsequence("no-input", "out1", "err1", "out2");
        }
    }

    @ParameterizedTest(name = "cgroups={0}")
    @ValueSource(booleans = {true, false})
    void measuresCpuAndPeakMemoryOfTheWholeTree(boolean cgroups) throws Exception {
        Path hog = compileMemoryHog();
        ExecutionSettings settings = TestRuns.settings(cgroups);
        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp, settings, AttemptLog.DEFAULT_CAP_BYTES)) {
            // The CPU burner is the phase's shell; the memory hog is a grandchild (inside a subshell).
            PhaseResult r = a.run("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done\n( '" + hog + "'; true )");

            assertThat(r.status()).isEqualTo(PhaseResult.Status.SUCCEEDED);
            assertThat(r.method()).isEqualTo(settings.method());
            assertThat(r.usage().userCpuSeconds()).isGreaterThan(0.1);
            assertThat(r.usage().systemCpuSeconds()).isGreaterThanOrEqualTo(0);
            assertThat(r.usage().peakRssBytes()).isGreaterThan(100_000_000L);
            assertThat(r.usage().wallSeconds()).isGreaterThan(0.5);
            assertThat(r.usage().userCpuSeconds() + r.usage().systemCpuSeconds())
                    .isLessThan(r.usage().wallSeconds() * Runtime.getRuntime().availableProcessors() + 0.5);
        }
    }

    @ParameterizedTest(name = "cgroups={0}")
    @ValueSource(booleans = {true, false})
    void cancelKillsTheWholeTreeWithinFiveSeconds(boolean cgroups) throws Exception {
        Path pids = tmp.resolve("pids");
        try (TestRuns.Attempt a =
                new TestRuns.Attempt(tmp.resolve("w"), TestRuns.settings(cgroups), AttemptLog.DEFAULT_CAP_BYTES)) {
            String script = String.join(
                    "\n",
                    "echo $$ >> '" + pids + "'",
                    "( sleep 1000 & echo $! >> '" + pids + "'",
                    "  sleep 1000 & echo $! >> '" + pids + "'",
                    "  echo $BASHPID >> '" + pids + "'",
                    "  wait ) &",
                    "echo $! >> '" + pids + "'",
                    "wait");
            CompletableFuture<PhaseResult> result = CompletableFuture.supplyAsync(() -> {
                try {
                    return a.run(script);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            await("5 pids written", Duration.ofSeconds(10), () -> lines(pids).size() >= 5);
            List<Long> tree = lines(pids).stream().map(Long::parseLong).collect(Collectors.toList());
            assertThat(tree).allMatch(ProcFs::alive);

            long start = System.nanoTime();
            boolean gone = a.runner.cancel();
            await(
                    "every process of the tree gone",
                    Duration.ofSeconds(5).minusNanos(System.nanoTime() - start),
                    () -> tree.stream().noneMatch(ProcFs::alive));

            assertThat(gone).isTrue();
            PhaseResult r = result.get(5, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(PhaseResult.Status.CANCELLED);
            assertThat(r.exitCode()).isGreaterThan(128);
            assertThat(r.signal()).isPositive();
            // A cancelled runner starts nothing more.
            assertThat(a.run("echo never").status()).isEqualTo(PhaseResult.Status.CANCELLED);
            assertThat(a.sink.text()).doesNotContain("never");
        }
    }

    @Test
    void cancelEscalatesToSigkillWhenTermIsIgnored() throws Exception {
        Path pids = tmp.resolve("pids");
        ExecutionSettings settings = ExecutionSettings.builder()
                .runAsWorkerUser()
                .cgroups(false)
                .killGrace(Duration.ofMillis(300))
                .build();
        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp.resolve("w"), settings, AttemptLog.DEFAULT_CAP_BYTES)) {
            String script = "trap '' TERM\necho $$ >> '" + pids + "'\nsleep 1000 & echo $! >> '" + pids + "'\nwait";
            CompletableFuture<PhaseResult> result = CompletableFuture.supplyAsync(() -> {
                try {
                    return a.run(script);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            await("2 pids written", Duration.ofSeconds(10), () -> lines(pids).size() >= 2);
            List<Long> tree = lines(pids).stream().map(Long::parseLong).collect(Collectors.toList());

            long start = System.nanoTime();
            assertThat(a.runner.cancel()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(tree).noneMatch(ProcFs::alive);
            assertThat(result.get(5, TimeUnit.SECONDS).status()).isEqualTo(PhaseResult.Status.CANCELLED);
        }
    }

    @Test
    void backgroundLeftoversAreKilledAndDoNotHoldThePhase() throws Exception {
        Path pids = tmp.resolve("pids");
        try (TestRuns.Attempt a =
                new TestRuns.Attempt(tmp.resolve("w"), TestRuns.settings(false), AttemptLog.DEFAULT_CAP_BYTES)) {
            long start = System.nanoTime();
            PhaseResult r = a.run("sleep 1000 & echo $! > '" + pids + "'\necho done");

            assertThat(r.status()).isEqualTo(PhaseResult.Status.SUCCEEDED);
            assertThat(r.leftoverProcesses()).isGreaterThanOrEqualTo(1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
            assertThat(ProcFs.alive(Long.parseLong(lines(pids).get(0)))).isFalse();
            assertThat(a.sink.text()).contains("done", "left 1 process(es) running");
        }
    }

    @Test
    void logFileKeepsTheTailUnderTheCapAndSaysWhatWasDropped() throws Exception {
        long cap = 1 << 20;
        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp, TestRuns.settings(true), cap)) {
            // 250000 lines of 41 bytes = 10.25 MB
            PhaseResult r = a.run("seq -f '%040g' 1 250000");
            a.log.close();

            assertThat(r.succeeded()).isTrue();
            long total = a.log.totalBytes();
            assertThat(total).isGreaterThan(10_000_000L);
            assertThat(a.sink.size()).isEqualTo(total); // the sink gets everything
            assertThat(a.sink.maxChunk()).isLessThanOrEqualTo(64 << 10);
            String text = Files.readString(a.ws.log(), StandardCharsets.ISO_8859_1);
            String marker = "[farm: log cap of 1048576 bytes reached: " + (total - cap)
                    + " bytes dropped here, the last 1048576 bytes follow]\n";
            assertThat(text).startsWith(marker);
            assertThat((long) text.length()).isEqualTo(marker.length() + cap);
            assertThat(text).endsWith(String.format("%040d%n", 250000));
            assertThat(Files.exists(a.ws.log().resolveSibling("log.tail"))).isFalse();
        }
    }

    @ParameterizedTest(name = "cgroups={0}")
    @ValueSource(booleans = {true, false})
    void shellMessagesNameTheRecipesLinesAndTheShellIsMeasured(boolean cgroups) throws Exception {
        ExecutionSettings settings = TestRuns.settings(cgroups);
        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp, settings, AttemptLog.DEFAULT_CAP_BYTES)) {
            // With a cgroup the shell joins it in a prologue on line 1; the recipe's lines keep their numbers.
            PhaseResult r =
                    a.run("# a comment on line 1\ncat /proc/self/cgroup > \"$DESTDIR/cgroup\"\nno-such-command-here");

            assertThat(r.status()).isEqualTo(PhaseResult.Status.FAILED);
            assertThat(r.exitCode()).isEqualTo(127);
            assertThat(a.sink.text()).contains("line 3: no-such-command-here: command not found");
            String cgroup = Files.readString(a.ws.dest().resolve("cgroup"), StandardCharsets.UTF_8);
            if (settings.cgroups().isPresent()) {
                assertThat(cgroup).contains(PhaseRunner.cgroupName(a.ws, "b-1/pkg/1", Phase.BUILD));
            } else {
                assertThat(cgroup).doesNotContain("attempt-");
            }
        }
    }

    @ParameterizedTest(name = "cgroups={0}")
    @ValueSource(booleans = {true, false})
    void aPhaseThatSignalsItsProcessGroupHitsOnlyItself(boolean cgroups) throws Exception {
        // `kill 0` (as in `trap 'kill 0' EXIT`) signals the caller's process group. Without a
        // session of its own the phase would share the worker's group and kill the worker: this
        // test's JVM would die here.
        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp, TestRuns.settings(cgroups), AttemptLog.DEFAULT_CAP_BYTES)) {
            PhaseResult r = a.run("kill 0");

            assertThat(r.status()).isEqualTo(PhaseResult.Status.FAILED);
            assertThat(r.signal()).isEqualTo(15);
            assertThat(a.run("true").succeeded()).isTrue();
        }
    }

    @Test
    void joinPrologueRefusesAPathItCannotQuote() {
        assertThat(PhaseRunner.joinPrologue(Path.of("/sys/fs/cgroup/farm/a/cgroup.procs")))
                .startsWith("{ echo $$ >'/sys/fs/cgroup/farm/a/cgroup.procs'; }")
                .endsWith("; ")
                .doesNotContain("\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> PhaseRunner.joinPrologue(Path.of("/x/it's/cgroup.procs")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shellTimesAreParsed() {
        assertThat(PhaseRunner.ShellTimes.parse("0m0.001s 0m0.002s\n1m2.500s 0m0,250s\n"))
                .hasValueSatisfying(t -> assertThat(t).containsExactly(62.5, 0.25));
        assertThat(PhaseRunner.ShellTimes.parse("0m0.001s 0m0.002s\n")).isEmpty();
    }

    @Test
    void aPhasesStartAndWallTimeComeFromTheInjectedClock() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        clock.advance(Duration.ofMinutes(7));
        ExecutionSettings settings = ExecutionSettings.builder()
                .runAsWorkerUser()
                .cgroups(false)
                .time(clock, clock)
                .build();
        Path started = tmp.resolve("started");
        Path release = tmp.resolve("release");
        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp.resolve("w"), settings, AttemptLog.DEFAULT_CAP_BYTES)) {
            CompletableFuture<PhaseResult> result = CompletableFuture.supplyAsync(() -> {
                try {
                    return a.run(
                            "touch '" + started + "'\nwhile [ ! -e '" + release + "' ]; do sleep 0.02; done\nexit 3");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            await("the phase to start", Duration.ofSeconds(10), () -> Files.exists(started));
            clock.advance(Duration.ofSeconds(90)); // however long the phase really takes, it took 90 s
            Files.createFile(release);
            PhaseResult r = result.get(30, TimeUnit.SECONDS);

            assertThat(r.status()).isEqualTo(PhaseResult.Status.FAILED);
            assertThat(r.startedAt()).isEqualTo(Instant.parse("2026-01-01T00:07:00Z"));
            assertThat(r.usage().wallSeconds()).isEqualTo(90.0);
            assertThat(a.sink.text()).contains("build failed with exit status 3 after 90.0 s");
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file)
                    ? Files.readAllLines(file).stream()
                            .filter(s -> !s.isBlank())
                            .collect(Collectors.toList())
                    : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** A program that holds 200 MiB of touched memory for half a second. */
    private Path compileMemoryHog() throws IOException, InterruptedException {
        Path src = tmp.resolve("hog.c");
        Path bin = tmp.resolve("hog");
        Files.writeString(
                src,
                String.join(
                        "\n",
                        "#include <stdlib.h>",
                        "#include <string.h>",
                        "#include <unistd.h>",
                        "int main(void) {",
                        "    size_t n = (size_t) 200 << 20;",
                        "    char *p = malloc(n);",
                        "    if (p == NULL) return 2;",
                        "    memset(p, 1, n);",
                        "    usleep(500000);",
                        "    return p[n / 2] == 1 ? 0 : 1;",
                        "}",
                        ""));
        Process p;
        try {
            p = new ProcessBuilder("gcc", "-O0", "-o", bin.toString(), src.toString())
                    .inheritIO()
                    .start();
        } catch (IOException e) {
            assumeTrue(false, "gcc is not installed");
            throw e;
        }
        assertThat(p.waitFor()).isZero();
        return bin;
    }
}
