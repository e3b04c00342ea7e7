package dev.lfsfarm.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lfsfarm.common.artifact.ArtifactExtractor;
import dev.lfsfarm.common.testing.BookFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker cut off from the network for longer than its lease. Worker {@code cut} runs in a network
 * namespace joined to the host by a veth pair ({@code ip netns exec}); the test takes the host end
 * of the pair down while {@code cut} builds {@code slow}. Nothing is killed and {@code cut} has no
 * keepalive, so it builds on, unaware. The coordinator declares {@code cut} lost when its lease
 * (3 s) runs out and starts {@code slow} again on worker {@code ok}. Only then does the test let
 * {@code slow}'s build phase end (a gate file). The link stays down until {@code cut}'s phase has
 * ended too; then it comes back.
 *
 * <p>What happens to the late result, as the worker and coordinator do it today: {@code cut}'s
 * artifact upload is stuck behind the dead link, so its attempt is still open when the link comes
 * back. TCP then delivers the end of the Connect stream that the coordinator sent when the lease
 * ran out ({@code UNAVAILABLE: lease expired}); {@code cut} drops that stream, its upload
 * completes, and it reconnects 250 ms later. Usually the attempt has ended by then, so the result
 * is unacknowledged and the Hello reports the attempt as finished. The coordinator retired that
 * attempt when it was lost, so the Welcome does not adopt it, and {@code cut} drops the result
 * (the coordinator never sees it). If the upload ends only after the Hello, the coordinator
 * cancels the attempt as not adopted, and {@code cut} sends the result on the new stream; the
 * coordinator then rejects it as superseded. The test accepts both paths and reports which one
 * happened. Either way the build ends SUCCEEDED with {@code ok}'s artifact from attempt 2.
 *
 * <p>Needs root and {@code ip} (iproute2); without them the test is skipped.
 */
class WorkerPartitionIT {
    /** One line per execution of slow's build phase: {@code start|end DESTDIR}. */
    private static final Pattern EXECUTION = Pattern.compile("(start|end) .*/work-([a-z]+)/attempts/([^/]+)/dest");

    @TempDir
    Path dir;

    Farm farm;
    Marks marks;
    Partition partition;

    @BeforeEach
    void setUp(TestInfo test) {
        partition = Partition.create();
        farm = new Farm(
                dir.resolve("farm"),
                getClass().getSimpleName() + "."
                        + test.getTestMethod().orElseThrow().getName());
        // On every address: the CLI comes over loopback, cut over the veth pair.
        farm.startCoordinatorListening("0.0.0.0");
        marks = Marks.in(dir);
    }

    @AfterEach
    void tearDown() {
        try {
            if (farm != null) {
                farm.close();
            }
        } finally {
            if (partition != null) {
                partition.close();
            }
        }
    }

    @Test
    void aWorkerCutOffLongerThanItsLeaseIsReplacedAndItsLateResultIsRejected() throws Exception {
        // slow's build phase holds until the test opens the gate (5 minutes at most): the first
        // attempt cannot end before cut is cut off and replaced, however long ok takes to start.
        Path gate = marks.dir().resolve("gate");
        Path book = new BookFixture(dir.resolve("book"))
                .book("name: partition\n" + marks.defaultsEnv())
                .recipe("slow", """
                        version: "1.0"
                        sbu: 5
                        env: {GATE: "%s"}
                        phases:
                          build: |
                            echo "start $DESTDIR" >> "$MARKS"
                            for i in $(seq 3000); do [ -e "$GATE" ] && break; sleep 0.1; done
                            [ -e "$GATE" ] || exit 1
                            mkdir -p "$DESTDIR/usr/share/slow"
                            echo "$DESTDIR" > "$DESTDIR/usr/share/slow/built-by"
                            echo "end $DESTDIR" >> "$MARKS"
                        """.formatted(gate))
                .root();

        // cut alone first, so slow lands on it; it reaches the coordinator through the veth pair.
        farm.startWorker("cut", partition.exec(), partition.hostIp() + ":" + farm.port());
        JsonNode cut = farm.awaitWorker("cut", "ACTIVE", Farm.START_TIMEOUT);
        assertThat(cut.path("address").asText())
                .as("cut connects from inside the namespace\n%s", cut)
                .contains(partition.nsIp());

        Farm.Background submit = farm.cliInBackground("submit", book.toString(), "--follow", "-o", "json");
        Execution first = farm.await("slow's build phase runs on cut", Duration.ofSeconds(60), () -> {
            assertThat(submit.isAlive())
                    .as("farm submit --follow is still following")
                    .isTrue();
            List<Execution> started = executions("start");
            return started.isEmpty() ? null : started.get(0);
        });
        assertThat(first.worker()).isEqualTo("cut");
        String buildId = farm.await("the build is listed", Duration.ofSeconds(60), () -> {
            JsonNode list = farm.poll("status", "-o", "json").json().path("builds");
            return list.size() == 1 ? list.get(0).path("build_id").asText() : null;
        });
        farm.awaitStatus(buildId, "slow is RUNNING on cut", Duration.ofSeconds(60), s -> {
            JsonNode slow = new BuildView(s).pkg("slow");
            return slow.path("state").asText().equals("RUNNING")
                    && slow.path("worker").asText().equals("cut")
                    && slow.path("attempts").asInt() == 1;
        });

        farm.startWorkers("ok");

        Instant cutAt = Instant.now();
        partition.cut();
        log("link down at %s", cutAt);

        // The coordinator notices through the lease alone and starts slow again on ok.
        farm.awaitStatus(buildId, "slow runs again, on ok", Duration.ofSeconds(60), s -> {
            JsonNode slow = new BuildView(s).pkg("slow");
            return slow.path("worker").asText().equals("ok")
                    && slow.path("attempts").asInt() == 2;
        });
        String lost = farm.await("the coordinator logs that cut was lost", Duration.ofSeconds(60), () -> {
            Matcher m = Pattern.compile("package slow attempt (\\S+): worker cut lost")
                    .matcher(farm.coordinator().output());
            return m.find() ? m.group(1) : null;
        });
        assertThat(lost)
                .as("the attempt the coordinator gave up is the one cut runs")
                .isEqualTo(first.attempt());
        assertThat(farm.coordinator().output()).contains("worker cut lost");
        Execution second = farm.await("slow's build phase runs on ok", Duration.ofSeconds(60), () -> {
            List<Execution> started = executions("start");
            return started.size() == 2 ? started.get(1) : null;
        });
        assertThat(second.worker()).isEqualTo("ok");
        assertThat(second.attempt()).isNotEqualTo(first.attempt());
        log(
                "requeued as %s on ok after %d ms",
                second.attempt(), Duration.between(cutAt, Instant.now()).toMillis());

        // cut, unaware, finishes its build phase behind the dead link.
        Files.createFile(gate);
        farm.await(
                "cut's attempt finishes its build phase",
                Duration.ofSeconds(60),
                () -> executions("end").stream().anyMatch(e -> e.attempt().equals(first.attempt())) ? true : null);
        Farm.assertAlive(farm.worker("cut"));

        String cutLog = farm.worker("cut").output();
        log(
                "before link up: cut noticed nothing (%s), its attempt is still open (%s)",
                !cutLog.contains("coordinator unavailable"),
                !cutLog.contains("attempt " + first.attempt() + " (slow)"));

        Instant upAt = Instant.now();
        partition.restore();
        log("link up at %s (down %d ms)", upAt, Duration.between(cutAt, upAt).toMillis());

        // The link is back: cut finishes its attempt (its upload was stuck behind the dead link),
        // learns its stream is gone and says hello again; the coordinator lists it again.
        String ended = "attempt " + first.attempt() + " (slow) succeeded";
        farm.await("cut reports its attempt " + first.attempt() + " finished", Duration.ofSeconds(60), () -> {
            Farm.assertAlive(farm.worker("cut"));
            return farm.worker("cut").output().contains(ended) ? true : null;
        });
        log(
                "cut ended its attempt %d ms after link up",
                Duration.between(upAt, Instant.now()).toMillis());
        farm.await(
                "cut says hello again",
                Duration.ofSeconds(60),
                () -> count(farm.coordinator().output(), "worker cut connected") >= 2
                                && count(farm.worker("cut").output(), "connected to the coordinator") >= 2
                        ? true
                        : null);
        farm.awaitWorker("cut", "ACTIVE", Duration.ofSeconds(60));
        log(
                "cut reconnected %d ms after link up",
                Duration.between(upAt, Instant.now()).toMillis());

        CliResult result = submit.await(Farm.CLI_TIMEOUT);
        assertThat(result.exitCode())
                .as("farm submit --follow across the partition\n%s", result)
                .isZero();
        BuildView end = new BuildView(result.json());
        assertThat(end.state()).isEqualTo("SUCCEEDED");
        JsonNode slow = end.pkg("slow");
        assertThat(slow.path("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(slow.path("worker").asText()).as("%s", end).isEqualTo("ok");
        assertThat(slow.path("attempts").asInt())
                .as("cut's lost attempt and ok's")
                .isEqualTo(2);
        String artifact = slow.path("artifact").asText();

        // The artifact is the one ok built in the second attempt.
        Path tarGz = dir.resolve("slow.tar.gz");
        CliResult get = farm.cli("artifact", "get", buildId, "slow", "-o", tarGz.toString());
        assertThat(get.exitCode()).as("%s", get).isZero();
        Path unpacked = Files.createDirectories(dir.resolve("unpacked"));
        try (var in = Files.newInputStream(tarGz)) {
            ArtifactExtractor.extract(in, unpacked);
        }
        assertThat(Files.readString(unpacked.resolve("usr/share/slow/built-by")).strip())
                .as("built by ok in attempt %s", second.attempt())
                .endsWith("/work-ok/attempts/" + second.attempt() + "/dest");

        // How the late result was refused. Usually cut's upload ends within the 250 ms before it
        // reconnects, so its result waits unacknowledged; the Welcome does not adopt the attempt
        // (the coordinator retired it when the lease ran out) and cut drops the result. If the
        // upload ends after the Hello instead, cut sends the result on the new stream and the
        // coordinator rejects it as superseded.
        String coordinatorLog = farm.coordinator().output();
        cutLog = farm.worker("cut").output();
        if (coordinatorLog.contains(
                "rejected a result for unknown or superseded attempt " + first.attempt() + " from cut")) {
            log("late result: sent after the reconnect, rejected by the coordinator as superseded");
            assertThat(cutLog)
                    .contains("the coordinator rejected the result of attempt " + first.attempt()
                            + ": RESULT_REJECT_REASON_SUPERSEDED_ATTEMPT");
        } else {
            log("late result: unacknowledged at the reconnect, not adopted by the Welcome, dropped by cut");
            assertThat(cutLog.indexOf(ended))
                    .as("cut finished its attempt before the Welcome that did not adopt it\n%s", cutLog)
                    .isNotNegative()
                    .isLessThan(cutLog.lastIndexOf("connected to the coordinator"));
            assertThat(lastLine(coordinatorLog, "worker cut connected"))
                    .as("the coordinator adopted nothing")
                    .doesNotContain("still running");
        }

        // Nothing of cut's attempt reached the build: still ok's result, still two attempts.
        JsonNode after = new BuildView(farm.status(buildId)).pkg("slow");
        assertThat(after.path("worker").asText()).isEqualTo("ok");
        assertThat(after.path("attempts").asInt()).isEqualTo(2);
        assertThat(after.path("artifact").asText()).isEqualTo(artifact);
        assertThat(executions("start")).as("%s", marks).containsExactly(first, second);
        assertThat(executions("end")).as("%s", marks).containsExactlyInAnyOrder(first, second);
        log("done %d ms after link down", Duration.between(cutAt, Instant.now()).toMillis());
    }

    private static String lastLine(String text, String what) {
        return text.lines().filter(l -> l.contains(what)).reduce((a, b) -> b).orElse("");
    }

    private List<Execution> executions(String kind) {
        List<Execution> found = new ArrayList<>();
        for (String line : marks.lines()) {
            Matcher m = EXECUTION.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("unexpected line in " + marks);
            }
            if (m.group(1).equals(kind)) {
                found.add(new Execution(m.group(2), m.group(3)));
            }
        }
        return found;
    }

    private static long count(String text, String what) {
        return text.lines().filter(l -> l.contains(what)).count();
    }

    private static void log(String format, Object... args) {
        System.out.printf(format + "%n", args);
    }

    /** One execution of slow's build phase: the worker (from its work dir) and the attempt id (its workspace). */
    record Execution(String worker, String attempt) {}

    /**
     * A network namespace {@code farmit-<random>} joined to the host by a veth pair: the host end
     * {@code fh<random>} 10.A.B.1/30, the namespace end {@code fn<random>} 10.A.B.2/30, with A in
     * 200..250. {@link #cut()} takes the host end down, {@link #restore()} brings it up.
     */
    record Partition(String ns, String hostIf, String nsIf, String hostIp, String nsIp) implements AutoCloseable {
        static Partition create() {
            CommandResult id = run("id", "-u");
            Assumptions.assumeTrue(
                    id.ok() && id.output().strip().equals("0"),
                    "WorkerPartitionIT needs root for 'ip netns' and veth pairs (id -u: "
                            + id.output().strip() + ")");
            String suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000000, 0x7fffffff));
            String prefix = freePrefix();
            Partition p = new Partition("farmit-" + suffix, "fh" + suffix, "fn" + suffix, prefix + ".1", prefix + ".2");
            CommandResult add = run("ip", "netns", "add", p.ns);
            Assumptions.assumeTrue(add.ok(), "WorkerPartitionIT needs 'ip netns add' (install iproute2): " + add);
            try {
                p.must("ip", "link", "add", p.hostIf, "type", "veth", "peer", "name", p.nsIf);
                p.must("ip", "link", "set", p.nsIf, "netns", p.ns);
                p.must("ip", "addr", "add", p.hostIp + "/30", "dev", p.hostIf);
                p.must("ip", "link", "set", p.hostIf, "up");
                p.must("ip", "-n", p.ns, "link", "set", "lo", "up");
                p.must("ip", "-n", p.ns, "addr", "add", p.nsIp + "/30", "dev", p.nsIf);
                p.must("ip", "-n", p.ns, "link", "set", p.nsIf, "up");
                return p;
            } catch (RuntimeException | Error e) {
                p.close();
                throw e;
            }
        }

        /** A 10.A.B.0/30 no interface of the host uses (A in 200..250). */
        private static String freePrefix() {
            String addresses = run("ip", "-4", "-o", "addr", "show").output();
            for (int i = 0; i < 50; i++) {
                String prefix = "10." + ThreadLocalRandom.current().nextInt(200, 251) + "."
                        + ThreadLocalRandom.current().nextInt(256);
                if (!addresses.contains(" " + prefix + ".")) {
                    return prefix;
                }
            }
            throw new IllegalStateException("no free 10.200-250.x.0/30 on this host:\n" + addresses);
        }

        /** The command prefix that runs a program inside the namespace. */
        List<String> exec() {
            return List.of("ip", "netns", "exec", ns);
        }

        void cut() {
            must("ip", "link", "set", hostIf, "down");
        }

        void restore() {
            must("ip", "link", "set", hostIf, "up");
        }

        private void must(String... command) {
            CommandResult r = run(command);
            if (!r.ok()) {
                throw new AssertionError("failed: " + r);
            }
        }

        /** Deletes the pair (both ends go with either) and the namespace; errors are ignored. */
        @Override
        public void close() {
            run("ip", "link", "del", hostIf);
            run("ip", "netns", "del", ns);
        }

        private static CommandResult run(String... command) {
            String shown = String.join(" ", command);
            try {
                Process p = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(FarmProcess.devNull()))
                        .start();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new CommandResult(shown, -1, new String(out, StandardCharsets.UTF_8) + "(timed out)");
                }
                return new CommandResult(shown, p.exitValue(), new String(out, StandardCharsets.UTF_8));
            } catch (IOException e) {
                return new CommandResult(shown, -1, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new CommandResult(shown, -1, e.toString());
            }
        }
    }

    record CommandResult(String command, int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        @Override
        public String toString() {
            return "$ " + command + " [exit " + exitCode + "] " + output.strip();
        }
    }
}
