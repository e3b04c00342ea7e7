package dev.lfsfarm.worker.execute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lfsfarm.common.recipe.Phase;
import dev.lfsfarm.proto.v1.Measurements;
import dev.lfsfarm.proto.v1.PhaseMeasurement;
import dev.lfsfarm.worker.source.Unpacker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PhaseSequenceTest {

    @TempDir
    Path tmp;

    @Test
    void buildsARealCProgramWithGccAndMakeIntoDestdir() throws Exception {
        assumeTrue(onPath("gcc") && onPath("make"), "gcc and make are needed");
        Path project = Files.createDirectories(tmp.resolve("book/hello-1.0"));
        Files.writeString(
                project.resolve("hello.c"),
                "#include <stdio.h>\nint main(void) { puts(\"hello from the farm\"); return 0; }\n");
        Files.writeString(
                project.resolve("Makefile"),
                String.join(
                        "\n",
                        "PREFIX ?= /usr",
                        "hello: hello.c",
                        "\t$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<",
                        "check: hello",
                        "\t./hello | grep -q 'hello from the farm'",
                        "install: hello",
                        "\tinstall -D -m 755 hello $(DESTDIR)$(PREFIX)/bin/hello",
                        ".PHONY: check install",
                        ""));
        Path tarball = tmp.resolve("hello-1.0.tar.gz");
        Process tar = new ProcessBuilder(
                        "tar",
                        "-czf",
                        tarball.toString(),
                        "-C",
                        tmp.resolve("book").toString(),
                        "hello-1.0")
                .inheritIO()
                .start();
        assertThat(tar.waitFor()).isZero();

        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp.resolve("work"), TestRuns.settings(true), 1 << 20)) {
            Files.copy(tarball, a.ws.sources().resolve("hello-1.0.tar.gz"));
            Path buildDir = Unpacker.unpackFirst(a.ws.sources().resolve("hello-1.0.tar.gz"), a.ws.src());
            assertThat(buildDir).isEqualTo(a.ws.src().resolve("hello-1.0"));
            PhaseEnvironment env = PhaseEnvironment.of(a.ws, 2, Map.of("CFLAGS", "-O2"), Map.of());
            PhaseSequence seq = new PhaseSequence(a.runner, 10.0);

            SequenceResult r = seq.run(
                    Map.of(
                            Phase.CONFIGURE, "test -f Makefile",
                            Phase.BUILD, "make",
                            Phase.CHECK, "make check",
                            Phase.INSTALL, "make DESTDIR=\"$DESTDIR\" install"),
                    false,
                    buildDir,
                    env,
                    2);

            assertThat(r.succeeded()).as(r.logTail()).isTrue();
            assertThat(a.ws.dest().resolve("usr/bin/hello")).isExecutable();
            assertThat(r.phases()).extracting(PhaseResult::phase).containsExactly(Phase.values());
            assertThat(r.phases())
                    .extracting(PhaseResult::status)
                    .containsExactly(
                            PhaseResult.Status.SKIPPED,
                            PhaseResult.Status.SUCCEEDED,
                            PhaseResult.Status.SUCCEEDED,
                            PhaseResult.Status.SUCCEEDED,
                            PhaseResult.Status.SUCCEEDED);
            assertThat(r.total().wallSeconds())
                    .isCloseTo(
                            r.phases().stream()
                                    .mapToDouble(p -> p.usage().wallSeconds())
                                    .sum(),
                            within(1e-9));
            assertThat(r.sbu()).isCloseTo(r.total().wallSeconds() / 10.0, within(1e-12));
            assertThat(a.sink.text()).contains("-O2", "==> farm: install");

            Measurements m = r.toProto();
            assertThat(m.getPhasesList())
                    .extracting(PhaseMeasurement::getPhase)
                    .containsExactly("prepare", "configure", "build", "check", "install");
            assertThat(m.getPhases(0).getSkipped()).isTrue();
            assertThat(m.getPhases(2).getUsage().getWallSeconds()).isPositive();
            assertThat(m.getPhases(2).hasStartedAt()).isTrue();
            assertThat(m.getExitCode()).isZero();
            assertThat(m.getCores()).isEqualTo(2);
            assertThat(m.getSecondsPerSbu()).isEqualTo(10.0);
        }
    }

    @Test
    void stopsAtTheFirstFailureAndSkipsCheckWhenAsked() throws Exception {
        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp, TestRuns.settings(false), 1 << 20)) {
            PhaseSequence seq = new PhaseSequence(a.runner, 0);
            StringBuilder script = new StringBuilder();
            for (int i = 1; i <= 80; i++) {
                script.append("echo line ").append(i).append('\n');
            }
            script.append("exit 4");

            SequenceResult r = seq.run(
                    Map.of(
                            Phase.PREPARE, "echo prepared > \"$DESTDIR/prepared\"",
                            Phase.CHECK, "echo checking; exit 1",
                            Phase.INSTALL, script.toString()),
                    true,
                    a.ws.src(),
                    PhaseEnvironment.of(a.ws, 1, Map.of(), Map.of()),
                    1);

            assertThat(r.succeeded()).isFalse();
            assertThat(r.cancelled()).isFalse();
            assertThat(r.failed()).contains(Phase.INSTALL);
            assertThat(r.exitCode()).isEqualTo(4);
            assertThat(r.phases())
                    .extracting(PhaseResult::status)
                    .containsExactly(
                            PhaseResult.Status.SUCCEEDED,
                            PhaseResult.Status.SKIPPED,
                            PhaseResult.Status.SKIPPED,
                            PhaseResult.Status.SKIPPED,
                            PhaseResult.Status.FAILED);
            assertThat(a.sink.text()).doesNotContain("checking");
            assertThat(r.sbu()).isZero();
            assertThat(r.logTail().lines())
                    .hasSizeLessThanOrEqualTo(PhaseSequence.TAIL_LINES)
                    .contains("line 80", "line 79");
            assertThat(r.logTail())
                    .contains("install failed with exit status 4")
                    .doesNotContain("line 1\n");
            assertThat(r.toProto().getExitCode()).isEqualTo(4);
        }
    }

    @Test
    void aFailureInTheMiddleStopsTheRest() throws Exception {
        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp, TestRuns.settings(false), 1 << 20)) {
            SequenceResult r = new PhaseSequence(a.runner, 0)
                    .run(
                            Map.of(
                                    Phase.CONFIGURE, "exit 2",
                                    Phase.BUILD, "echo building"),
                            false,
                            a.ws.src(),
                            PhaseEnvironment.of(a.ws, 1, Map.of(), Map.of()),
                            1);

            assertThat(r.failed()).contains(Phase.CONFIGURE);
            assertThat(r.phases()).extracting(PhaseResult::phase).containsExactly(Phase.PREPARE, Phase.CONFIGURE);
            assertThat(a.sink.text()).doesNotContain("building");
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
