package dev.lfsfarm.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lfsfarm.common.testing.BookFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a worker JVM in the middle of a build: the coordinator declares the worker lost when
 * its lease (3 s) runs out, starts the package again on the other worker, and the build succeeds
 * with no package run to success twice.
 */
class WorkerCrashIT {
    @TempDir
    Path dir;

    Farm farm;
    Marks marks;

    @BeforeEach
    void startFarm(TestInfo test) {
        farm = new Farm(
                dir.resolve("farm"),
                getClass().getSimpleName() + "."
                        + test.getTestMethod().orElseThrow().getName());
        farm.startCoordinator().startWorkers("w1", "w2");
        marks = Marks.in(dir);
    }

    @AfterEach
    void stopFarm() {
        farm.close();
    }

    @Test
    void aPackageOfAKilledWorkerIsRequeuedOnTheOtherWorkerAndTheBuildSucceeds() throws Exception {
        // slow's build phase holds until the test opens the gate (5 minutes at most), so its first
        // attempt is still running when its worker is killed, however slowly the test gets there;
        // after-slow needs its artifact.
        Path gate = marks.dir().resolve("gate");
        Path book = new BookFixture(dir.resolve("book"))
                .book("name: crash\n" + marks.defaultsEnv())
                .recipe("slow", """
                        version: "1.0"
                        sbu: 5
                        env: {GATE: "%s"}
                        phases:
                          build: |
                            echo "slow build started" >> "$MARKS"
                            for i in $(seq 3000); do [ -e "$GATE" ] && break; sleep 0.1; done
                            [ -e "$GATE" ] || exit 1
                            echo built > built.txt
                          install: |
                            install -D -m 644 built.txt "$DESTDIR/usr/share/slow/built.txt"
                            echo "slow installed" >> "$MARKS"
                        """.formatted(gate))
                .recipe("quick", """
                        version: "1.0"
                        sbu: 0.1
                        phases:
                          install: |
                            mkdir -p "$DESTDIR/usr/share/quick" && echo quick > "$DESTDIR/usr/share/quick/q"
                            echo "quick installed" >> "$MARKS"
                        """)
                .recipe("after-slow", """
                        version: "1.0"
                        sbu: 0.1
                        depends: {required: [slow]}
                        phases:
                          build: test "$(cat "$FARM_SYSROOT/usr/share/slow/built.txt")" = built
                          install: |
                            mkdir -p "$DESTDIR/usr/share/after-slow"
                            echo "after-slow installed" >> "$MARKS"
                        """)
                .root();

        Farm.Background submit = farm.cliInBackground("submit", book.toString(), "--follow", "-o", "json");

        // Wait until slow's build phase really runs, and find the worker it runs on.
        farm.await("slow's build phase has started", Duration.ofSeconds(60), () -> {
            assertThat(submit.isAlive())
                    .as("farm submit --follow is still following")
                    .isTrue();
            return marks.count("slow build started") == 1 ? true : null;
        });
        String buildId = farm.await("the build is listed", Duration.ofSeconds(60), () -> {
            CliResult builds = farm.poll("status", "-o", "json");
            JsonNode list = builds.json().path("builds");
            return list.size() == 1 ? list.get(0).path("build_id").asText() : null;
        });
        JsonNode running = new BuildView(farm.status(buildId)).pkg("slow");
        assertThat(running.path("state").asText()).isEqualTo("RUNNING");
        assertThat(running.path("attempts").asInt()).isEqualTo(1);
        String victim = running.path("worker").asText();
        String survivor = victim.equals("w1") ? "w2" : "w1";
        assertThat(victim).isIn("w1", "w2");

        farm.worker(victim).kill();

        // The coordinator notices through the lease, not through anything the test tells it: the
        // victim leaves 'farm workers' (which lists lost workers only on request), the survivor stays.
        farm.await(victim + " is no longer listed by farm workers", Duration.ofSeconds(60), () -> {
            JsonNode workers = farm.poll("workers", "-o", "json").json().path("workers");
            List<String> names = new java.util.ArrayList<>();
            workers.forEach(w ->
                    names.add(w.path("name").asText() + "=" + w.path("state").asText()));
            return names.equals(List.of(survivor + "=ACTIVE")) ? names : null;
        });
        JsonNode requeued = farm.awaitStatus(buildId, "slow runs again, on " + survivor, Duration.ofSeconds(60), s -> {
            JsonNode slow = new BuildView(s).pkg("slow");
            return slow.path("attempts").asInt() == 2
                    && slow.path("worker").asText().equals(survivor);
        });
        assertThat(new BuildView(requeued).pkg("slow").path("state").asText()).isIn("RUNNING", "SUCCEEDED");
        Files.createFile(gate); // the second attempt may finish now

        CliResult result = submit.await(Farm.CLI_TIMEOUT);
        assertThat(result.exitCode())
                .as("farm submit --follow across the crash\n%s", result)
                .isZero();
        BuildView end = new BuildView(result.json());
        assertThat(end.state()).isEqualTo("SUCCEEDED");
        assertThat(end.states())
                .as("%s", end)
                .containsOnlyKeys("slow", "quick", "after-slow")
                .allSatisfy((id, state) -> assertThat(state).as(id).isEqualTo("SUCCEEDED"));
        assertThat(end.pkg("slow").path("attempts").asInt())
                .as("slow: the killed attempt and the one that succeeded")
                .isEqualTo(2);
        assertThat(end.pkg("slow").path("worker").asText()).isEqualTo(survivor);
        assertThat(end.pkg("quick").path("attempts").asInt()).isEqualTo(1);
        assertThat(end.pkg("after-slow").path("attempts").asInt()).isEqualTo(1);
        assertThat(end.pkg("after-slow").path("worker").asText())
                .as("only the survivor is left")
                .isEqualTo(survivor);

        // What really ran: slow's build started twice (the first was killed before install);
        // every package was installed exactly once.
        assertThat(marks.count("slow build started")).as("%s", marks).isEqualTo(2);
        for (String id : List.of("slow", "quick", "after-slow")) {
            assertThat(marks.count(id + " installed"))
                    .as("%s installed once\n%s", id, marks)
                    .isEqualTo(1);
        }
        assertThat(marks.lines()).as("%s", marks).hasSize(5);

        // The same loss in virtual time: farm simulate on a farm of the same shape (2 workers of one
        // slot and core), with the worker that builds slow lost half way through it, requeues exactly
        // what the real farm ran again.
        int realRequeues = 0;
        List<String> realRequeued = new java.util.ArrayList<>();
        for (String id : end.states().keySet()) {
            int attempts = end.pkg(id).path("attempts").asInt();
            realRequeues += attempts - 1;
            if (attempts > 1) {
                realRequeued.add(id);
            }
        }
        CliResult clean = farm.exec(
                Duration.ofSeconds(60), List.of("simulate", book.toString(), "-w", "2", "-c", "1", "-o", "json"));
        assertThat(clean.exitCode()).as("%s", clean).isZero();
        JsonNode slowRun = null;
        for (JsonNode run : clean.json().path("schedule")) {
            if (run.path("id").asText().equals("slow")) {
                slowRun = run;
            }
        }
        assertThat(slowRun).as("slow in %s", clean.json()).isNotNull();
        String lossAt = slowRun.path("worker").asText() + "@"
                + (slowRun.path("start").asDouble() + slowRun.path("end").asDouble()) / 2;
        CliResult simulated = farm.exec(
                Duration.ofSeconds(60),
                List.of("simulate", book.toString(), "-w", "2", "-c", "1", "--lose-worker", lossAt, "-o", "json"));
        assertThat(simulated.exitCode()).as("%s", simulated).isZero();
        assertThat(simulated.json().path("requeues").asInt())
                .as("requeues of farm simulate --lose-worker %s against the real run", lossAt)
                .isEqualTo(realRequeues)
                .isEqualTo(1);
        List<String> simulatedRequeued = new java.util.ArrayList<>();
        simulated
                .json()
                .path("lost_runs")
                .forEach(r -> simulatedRequeued.add(r.path("id").asText()));
        assertThat(simulatedRequeued).isEqualTo(realRequeued);
        assertThat(simulated.json().path("unbuilt").size()).isZero();
    }
}
