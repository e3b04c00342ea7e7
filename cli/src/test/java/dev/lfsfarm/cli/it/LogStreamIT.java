package dev.lfsfarm.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.common.testing.BookFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code farm logs -f} attached while a package runs receives every byte of a ~5.5 MB log, in
 * order, and ends by itself when the package ends.
 */
class LogStreamIT {
    /** {@code seq 1 800000}: 5,488,895 bytes. */
    static final int LINES = 800_000;

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
        farm.startCoordinator().startWorkers("w1");
        marks = Marks.in(dir);
    }

    @AfterEach
    void stopFarm() {
        farm.close();
    }

    @Test
    void followingALogWhileThePackageRunsReceivesEveryByte() throws Exception {
        // The build waits at a gate (a file the test creates once the follower is attached), then
        // prints 800,000 numbered lines. The wait is bounded so a broken test cannot hang a worker.
        Path gate = marks.dir().resolve("open");
        Path book = new BookFixture(dir.resolve("book"))
                .book("name: chatty\n" + marks.defaultsEnv())
                .recipe("chatty", """
                        version: "1.0"
                        env: {GATE: "%s"}
                        phases:
                          build: |
                            echo "waiting at the gate"
                            echo "chatty waiting" >> "$MARKS"
                            for i in $(seq 1 1200); do [ -e "$GATE" ] && break; sleep 0.05; done
                            test -e "$GATE"
                            seq 1 %d
                          install: mkdir -p "$DESTDIR/usr"
                        """.formatted(gate, LINES))
                .root();

        CliResult submitted = farm.cli("submit", book.toString(), "-o", "json");
        assertThat(submitted.exitCode()).as("%s", submitted).isZero();
        String buildId = submitted.json().path("build_id").asText();
        farm.await(
                "chatty's build phase waits at the gate",
                Duration.ofSeconds(60),
                () -> marks.count("chatty waiting") == 1 ? true : null);

        Farm.Background follow = farm.cliInBackground("logs", buildId, "chatty", "-f");
        // Attached: the follower has printed the log's first line (the phase header) already.
        farm.await("farm logs -f prints the start of the log", Duration.ofSeconds(60), () -> {
            assertThat(follow.isAlive())
                    .as("farm logs -f ended before the package")
                    .isTrue();
            return follow.stdoutBytes() > 0 ? true : null;
        });
        Files.writeString(gate, "");
        Files.setPosixFilePermissions(gate, PosixFilePermissions.fromString("rw-rw-rw-"));

        CliResult followed = follow.await(Duration.ofSeconds(90));
        assertThat(followed.exitCode())
                .as("farm logs -f exit code; stderr:\n%s", followed.err())
                .isZero();
        BuildView end = new BuildView(farm.awaitFinished(buildId, Duration.ofSeconds(60)));
        assertThat(end.pkg("chatty").path("state").asText()).as("%s", end).isEqualTo("SUCCEEDED");

        String expected = expectedSeq();
        String log = followed.out();
        assertThat(log).as("followed log").startsWith("==> farm: build");
        int at = log.indexOf("1\n2\n3\n");
        assertThat(at).as("the seq output starts in the followed log").isPositive();
        int seqEnd = at + expected.length();
        assertThat(seqEnd).as("followed %s bytes in all", log.length()).isLessThanOrEqualTo(log.length());
        // Compare as a whole: every byte, in order (no assertion dump of 5 MB on failure).
        assertThat(log.substring(at, seqEnd).equals(expected))
                .as(
                        "the followed log holds seq 1 %d byte for byte (%d bytes expected from offset %d, log is %d bytes)",
                        LINES, expected.length(), at, log.length())
                .isTrue();

        // The same bytes as a plain read of the finished log.
        CliResult whole = farm.cli("logs", buildId, "chatty");
        assertThat(whole.exitCode()).as("%s", whole.err()).isZero();
        assertThat(whole.out().length()).isEqualTo(log.length());
        assertThat(whole.out().equals(log))
                .as("followed log equals the stored log")
                .isTrue();
        assertThat(log.length()).isGreaterThan(5_000_000);
    }

    static String expectedSeq() {
        StringBuilder s = new StringBuilder(5_500_000);
        for (int i = 1; i <= LINES; i++) {
            s.append(i).append('\n');
        }
        return s.toString();
    }
}
