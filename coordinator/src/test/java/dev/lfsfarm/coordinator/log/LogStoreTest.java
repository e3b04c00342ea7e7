package dev.lfsfarm.coordinator.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capped attempt logs: the tail is kept, readers address bytes by absolute offset. */
class LogStoreTest {

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(LogStore.Chunk chunk) {
        return new String(chunk.data(), StandardCharsets.US_ASCII);
    }

    /** Everything still kept, read from {@code offset} on in chunks of {@code max}. */
    private static String readAll(LogStore logs, String attempt, long offset, int max) {
        StringBuilder out = new StringBuilder();
        long at = offset;
        while (true) {
            LogStore.Chunk chunk = logs.read(attempt, at, max);
            if (chunk.data().length == 0) {
                return out.toString();
            }
            out.append(text(chunk));
            at = chunk.offset() + chunk.data().length;
        }
    }

    @Test
    void appendsAreReadBackByOffset() {
        LogStore logs = new LogStore(dir, 1 << 20);
        logs.append("1-1", bytes("hello "));
        logs.append("1-1", bytes("world\n"));

        assertThat(logs.size("1-1")).isEqualTo(12);
        LogStore.Chunk all = logs.read("1-1", 0, 100);
        assertThat(text(all)).isEqualTo("hello world\n");
        assertThat(all.offset()).isZero();
        assertThat(all.elidedBytes()).isZero();
        assertThat(all.closed()).isFalse();

        LogStore.Chunk middle = logs.read("1-1", 6, 3);
        assertThat(middle.offset()).isEqualTo(6);
        assertThat(text(middle)).isEqualTo("wor");

        LogStore.Chunk atEnd = logs.read("1-1", 12, 100);
        assertThat(atEnd.data()).isEmpty();
        assertThat(atEnd.offset()).isEqualTo(12);
        assertThat(logs.exists("1-1")).isTrue();
        assertThat(logs.exists("1-2")).isFalse();
    }

    @Test
    void closingMarksTheEndOfTheLog() {
        LogStore logs = new LogStore(dir, 1 << 20);
        logs.append("1-1", bytes("done\n"));
        logs.close("1-1");

        assertThat(logs.read("1-1", 0, 2).closed()).isFalse(); // more to read
        LogStore.Chunk last = logs.read("1-1", 2, 100);
        assertThat(text(last)).isEqualTo("ne\n");
        assertThat(last.closed()).isTrue();
        assertThat(logs.read("1-1", 5, 100).closed()).isTrue();
    }

    @Test
    void appendingPastTheCapKeepsTheTailAndReportsWhatWasElided() {
        LogStore logs = new LogStore(dir, 10);
        StringBuilder written = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            String line = "line" + i + "\n"; // 6 bytes
            written.append(line);
            logs.append("1-1", bytes(line));
        }
        assertThat(logs.size("1-1")).isEqualTo(60);

        LogStore.Chunk first = logs.read("1-1", 0, 100);
        long kept = 60 - first.offset();
        assertThat(kept).isPositive().isLessThanOrEqualTo(10);
        assertThat(first.elidedBytes()).isEqualTo(first.offset());
        String tail = readAll(logs, "1-1", 0, 100);
        assertThat(tail).hasSize((int) kept);
        assertThat(written.toString()).endsWith(tail);
        assertThat(tail).endsWith("line9\n");
        assertThat(logs.tail("1-1", 4)).isEqualTo("ne9\n");
        assertThat(kept).isEqualTo(10); // two half-cap segments, both full
        assertThat(logs.tail("1-1", 8)).isEqualTo("8\nline9\n"); // spans both segments

        // Reading on from a position that was elided meanwhile: the gap is exactly the skipped bytes.
        LogStore.Chunk resumed = logs.read("1-1", 20, 100);
        assertThat(resumed.offset()).isEqualTo(first.offset());
        assertThat(resumed.elidedBytes()).isEqualTo(first.offset() - 20);

        // Nothing is elided for a reader inside the kept tail.
        assertThat(logs.read("1-1", 59, 100).elidedBytes()).isZero();
        assertThat(text(logs.read("1-1", 59, 100))).isEqualTo("\n");
    }

    @Test
    void aSingleAppendLargerThanTheCapKeepsItsTail() {
        LogStore logs = new LogStore(dir, 8);
        logs.append("1-1", bytes("abcdefghijklmnopqrstuvwxyz"));

        String tail = readAll(logs, "1-1", 0, 3);
        assertThat(tail).isNotEmpty().hasSizeLessThanOrEqualTo(8);
        assertThat("abcdefghijklmnopqrstuvwxyz").endsWith(tail);
        assertThat(logs.read("1-1", 0, 100).elidedBytes()).isEqualTo(26 - tail.length());
    }

    @Test
    void diskUseStaysWithinTheCap() throws Exception {
        LogStore logs = new LogStore(dir, 1000);
        for (int i = 0; i < 100; i++) {
            logs.append("1-1", bytes("x".repeat(97) + "\n"));
        }
        long onDisk = 0;
        for (Path f : Files.list(dir).toList()) {
            onDisk += Files.size(f);
        }
        assertThat(onDisk).isLessThanOrEqualTo(1000);
        assertThat(logs.size("1-1")).isEqualTo(9800);
    }

    @Test
    void listenersFireOnAppendAndCloseUntilRemoved() {
        LogStore logs = new LogStore(dir, 1 << 20);
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        Runnable stop = logs.listen("1-1", calls::incrementAndGet);
        logs.listen("1-2", other::incrementAndGet);

        logs.append("1-1", bytes("a"));
        logs.append("1-1", bytes("b"));
        assertThat(calls).hasValue(2);
        logs.close("1-1");
        assertThat(calls).hasValue(3);

        stop.run();
        logs.append("1-1", bytes("c"));
        assertThat(calls).hasValue(3);
        assertThat(other).hasValue(0);
    }

    @Test
    void attemptsHaveSeparateLogs() {
        LogStore logs = new LogStore(dir, 1 << 20);
        logs.append("1-1", bytes("one"));
        logs.append("1-2", bytes("two!"));

        assertThat(text(logs.read("1-1", 0, 100))).isEqualTo("one");
        assertThat(text(logs.read("1-2", 0, 100))).isEqualTo("two!");
        assertThat(logs.size("1-2")).isEqualTo(4);
    }
}
