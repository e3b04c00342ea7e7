package dev.lfsfarm.worker.execute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lfsfarm.common.recipe.Phase;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Phases as an unprivileged user: needs root and useradd, creates and removes a temporary user. */
class RunAsTest {

    @TempDir
    Path tmp;

    private String user;

    @BeforeEach
    void createUser() throws Exception {
        assumeTrue(RunAs.workerIsRoot(), "needs root");
        assumeTrue(ExecutionSettings.systemTool("useradd").isPresent(), "needs useradd");
        assumeTrue(ExecutionSettings.systemTool("setpriv").isPresent(), "needs setpriv");
        String name = "farmt" + ThreadLocalRandom.current().nextInt(100_000, 1_000_000);
        Process p = new ProcessBuilder(
                        "useradd", "--system", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", name)
                .inheritIO()
                .start();
        assumeTrue(p.waitFor() == 0, "useradd failed");
        user = name;
        // @TempDir is 0700; the build user must be able to reach the workspace.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void removeUser() throws Exception {
        if (user != null) {
            new ProcessBuilder("userdel", user).inheritIO().start().waitFor();
        }
    }

    @Test
    void phasesRunAsTheBuildUserWhoOwnsOnlyWhatItMustWrite() throws Exception {
        RunAs runAs = RunAs.lookup(user).orElseThrow();
        assertThat(runAs.uid()).isPositive();
        ExecutionSettings settings = ExecutionSettings.builder().runAsUser(user).build();
        assertThat(settings.runAs()).contains(runAs);

        try (TestRuns.Attempt a = new TestRuns.Attempt(tmp, settings, 1 << 20)) {
            Files.writeString(a.ws.sources().resolve("input.patch"), "patch");
            SequenceResult r = new PhaseSequence(a.runner, 0)
                    .run(
                            Map.of(
                                    Phase.BUILD,
                                    String.join(
                                            "\n",
                                            "id -un > \"$DESTDIR/who\"",
                                            "touch \"$HOME/cache\" \"$TMPDIR/t\" built",
                                            "if echo x >> \"$FARM_SOURCES/input.patch\" 2>/dev/null; then echo writable; else echo read-only; fi "
                                                    + "> \"$DESTDIR/sources\"",
                                            "env -0 | tr '\\0' '\\n' | cut -d= -f1 | sort > \"$DESTDIR/names\"")),
                            false,
                            a.ws.src(),
                            PhaseEnvironment.of(a.ws, 1, Map.of(), Map.of()),
                            1);

            assertThat(r.succeeded()).as(r.logTail()).isTrue();
            assertThat(Files.readString(a.ws.dest().resolve("who")).trim()).isEqualTo(user);
            assertThat(Files.readString(a.ws.dest().resolve("sources")).trim()).isEqualTo("read-only");
            assertThat(Files.getOwner(a.ws.home().resolve("cache"), LinkOption.NOFOLLOW_LINKS)
                            .getName())
                    .isEqualTo(user);
            assertThat(Files.getOwner(a.ws.src().resolve("built")).getName()).isEqualTo(user);
            assertThat(Files.readAllLines(a.ws.dest().resolve("names")))
                    .doesNotContain("USER", "LOGNAME", "MAIL")
                    .contains("HOME", "DESTDIR");
        }
    }

    @Test
    void aWorkspaceTheUserCannotReachIsAClearError() throws Exception {
        Path hidden = Files.createDirectories(tmp.resolve("private"));
        Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("rwx------"));
        ExecutionSettings settings = ExecutionSettings.builder().runAsUser(user).build();
        try (TestRuns.Attempt a = new TestRuns.Attempt(hidden, settings, 1 << 20)) {
            assertThatThrownBy(() -> new PhaseSequence(a.runner, 0)
                            .run(
                                    Map.of(Phase.BUILD, "true"),
                                    false,
                                    a.ws.src(),
                                    PhaseEnvironment.of(a.ws, 1, Map.of(), Map.of()),
                                    1))
                    .hasMessageContaining("build user '" + user + "' cannot write")
                    .hasMessageContaining("chmod o+x");
        }
    }

    @Test
    void anUnknownConfiguredUserIsAClearError() {
        assertThatThrownBy(() -> ExecutionSettings.builder()
                        .runAsUser("no-such-user-xyz")
                        .build())
                .hasMessageContaining("build user 'no-such-user-xyz' does not exist");
    }
}
