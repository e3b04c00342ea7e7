package dev.lfsfarm.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.common.testing.BookFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * A url source whose content does not match the recipe's sha256: the package fails before any
 * phase runs, and its failure names both digests. The same file with the right sha256 builds,
 * so the mismatch is the only reason.
 */
class ChecksumMismatchIT {
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
    void aSourceWithTheWrongSha256FailsThePackageNamingBothDigests() throws Exception {
        Path srcDir = Files.createDirectories(dir.resolve("upstream/tool-1.0"));
        Files.writeString(srcDir.resolve("Makefile"), "all:\n\techo compiled > tool.out\n");
        Path tarball = dir.resolve("upstream/tool-1.0.tar.gz");
        Process tar = new ProcessBuilder(
                        "tar",
                        "-czf",
                        tarball.toString(),
                        "-C",
                        srcDir.getParent().toString(),
                        "tool-1.0")
                .redirectErrorStream(true)
                .start();
        assertThat(tar.waitFor())
                .as(new String(tar.getInputStream().readAllBytes()))
                .isZero();
        String actual = Sha256.of(tarball);
        String wrong = Sha256.of(new byte[] {42});
        assertThat(wrong).isNotEqualTo(actual);
        String url = tarball.toUri().toString();
        assertThat(url).startsWith("file:/");

        String phases = """
                phases:
                  build: |
                    make
                    echo "$PKG built" >> "$MARKS"
                  install: install -D -m 644 tool.out "$DESTDIR/usr/share/$PKG/tool.out"
                """;
        Path book = new BookFixture(dir.resolve("book"))
                .book("name: checksums\n" + marks.defaultsEnv())
                .recipe(
                        "tampered",
                        "version: \"1.0\"\nenv: {PKG: tampered}\nsources:\n  - url: " + url + "\n    sha256: " + wrong
                                + "\n" + phases)
                .recipe(
                        "genuine",
                        "version: \"1.0\"\nenv: {PKG: genuine}\nsources:\n  - url: " + url + "\n    sha256: " + actual
                                + "\n" + phases)
                .root();

        CliResult run = farm.cli("submit", book.toString(), "--follow", "-o", "json");
        assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
        BuildView build = new BuildView(run.json());
        assertThat(build.states()).as("%s", build).isEqualTo(Map.of("tampered", "FAILED", "genuine", "SUCCEEDED"));
        JsonNode tampered = build.pkg("tampered");
        assertThat(tampered.path("failure").asText())
                .as("the failure names both digests\n%s", tampered)
                .contains(wrong)
                .contains(actual)
                .containsIgnoringCase("sha256");
        assertThat(tampered.path("failed_phase").asText()).as("no phase ran").isEmpty();
        assertThat(marks.lines()).as("only genuine's phases ran\n%s", marks).containsExactly("genuine built");

        // Nothing with the wrong content was cached under the expected digest.
        assertThat(farm.workDir("w1").resolve("cache/sources/sha256").resolve(wrong))
                .doesNotExist();
        assertThat(farm.workDir("w1").resolve("cache/sources/sha256").resolve(actual))
                .isRegularFile();
    }
}
