package dev.lfsfarm.worker.execute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.common.recipe.Phase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttemptLogTest {

    @TempDir
    Path tmp;

    private static void write(AttemptLog log, String s) throws Exception {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        log.write(Phase.BUILD, b, 0, b.length);
    }

    @Test
    void underTheCapEverythingIsKept() throws Exception {
        Path file = tmp.resolve("log");
        try (AttemptLog log = new AttemptLog(file, 100, LogSink.NONE)) {
            write(log, "hello\n");
            write(log, "world\n");
        }
        assertThat(Files.readString(file)).isEqualTo("hello\nworld\n");
    }

    @Test
    void tailOnlyCapKeepsTheLastBytes() throws Exception {
        Path file = tmp.resolve("log");
        TestRuns.RecordingSink sink = new TestRuns.RecordingSink();
        try (AttemptLog log = new AttemptLog(file, 10, sink)) {
            write(log, "0123456789");
            write(log, "abcdefghijklmnopqrstuvwxyz");
            write(log, "ABC");
            assertThat(log.droppedBytes()).isEqualTo(29);
        }
        assertThat(Files.readString(file))
                .isEqualTo(
                        "[farm: log cap of 10 bytes reached: 29 bytes dropped here, the last 10 bytes follow]\ntuvwxyzABC");
        assertThat(sink.text()).isEqualTo("0123456789abcdefghijklmnopqrstuvwxyzABC");
    }

    @Test
    void headAndTailCapKeepsBothEnds() throws Exception {
        Path file = tmp.resolve("log");
        try (AttemptLog log = new AttemptLog(file, 12, 6, LogSink.NONE)) {
            for (int i = 0; i < 10; i++) {
                write(log, i + "\n");
            }
        }
        assertThat(Files.readString(file))
                .isEqualTo(
                        "0\n1\n2\n[farm: log cap of 12 bytes reached: 8 bytes dropped here, the last 6 bytes follow]\n7\n8\n9\n");
    }

    @Test
    void tailReturnsTheLastLines() throws Exception {
        try (AttemptLog log = new AttemptLog(tmp.resolve("log"), 0, LogSink.NONE)) {
            for (int i = 1; i <= 100; i++) {
                write(log, "line " + i + "\n");
            }
            assertThat(log.tail(3, 8192)).isEqualTo("line 98\nline 99\nline 100\n");
            assertThat(log.tail(50, 8192).lines()).hasSize(50).first().isEqualTo("line 51");
            // A byte limit that cuts a line starts at the next whole line.
            assertThat(log.tail(50, 12)).isEqualTo("line 100\n");
            assertThat(log.totalBytes()).isEqualTo(9 * 7 + 90 * 8 + 9);
        }
    }

    @Test
    void noteWritesAFarmLine() throws Exception {
        Path file = tmp.resolve("log");
        try (AttemptLog log = new AttemptLog(file, 0, LogSink.NONE)) {
            log.note(Phase.CHECK, "check");
        }
        assertThat(Files.readString(file)).isEqualTo("==> farm: check\n");
    }

    @Test
    void badCapsAreRejected() {
        assertThatThrownBy(() -> new AttemptLog(tmp.resolve("a"), -1, LogSink.NONE))
                .hasMessageContaining(">= 0");
        assertThatThrownBy(() -> new AttemptLog(tmp.resolve("b"), 10, 11, LogSink.NONE))
                .hasMessageContaining("1..10");
    }
}
