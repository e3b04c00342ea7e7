package dev.lfsfarm.worker.execute;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.lfsfarm.common.recipe.Phase;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one attempt: every byte the phases write, plus the worker's own step lines, sent to a
 * {@link LogSink} and kept in the workspace {@code log} file under a size cap.
 *
 * <p>Why a cap: a runaway build (a test suite looping on an error) can print gigabytes, and the
 * worker's disk and the artifact store must not pay for it. Why head <em>and</em> tail: the start of
 * a log says how the build was configured, the end says why it failed; the middle is the least
 * useful part. The file receives the first {@code capBytes - tailBytes} bytes as they come; after
 * that only the last {@code tailBytes} are kept (in a ring file next to the log, so memory stays
 * flat). On {@link #close()} the ring is appended after one line that says how many bytes were
 * dropped. With {@code tailBytes == capBytes} (the default) only the tail is kept, the marker line
 * comes first. This is the same head/tail split as {@code Assign.log_cap_bytes} /
 * {@code log_tail_bytes} on the wire.
 *
 * <p>The sink always gets everything, uncapped: capping the live stream is the business of whoever
 * sends it (the finished file holds exactly the head, marker and tail such a sender needs).
 *
 * <p>The last few KiB are also kept in memory for {@link #tail(int, int)}, the short excerpt a
 * failed attempt reports.
 */
public final class AttemptLog implements Closeable {

    /** Default cap of the workspace log file: 64 MiB. */
    public static final long DEFAULT_CAP_BYTES = 64L << 20;

    private static final Logger log = LoggerFactory.getLogger(AttemptLog.class);
    private static final int RECENT_BYTES = 8 << 10;

    private final Path file;
    private final long capBytes;
    private final long headBytes;
    private final long tailBytes;
    private final LogSink sink;

    // The pump thread writes while the runner's thread notes and reads the tail: all under this.
    @GuardedBy("this")
    private final OutputStream out;

    @GuardedBy("this")
    private final byte[] recent = new byte[RECENT_BYTES];

    @GuardedBy("this")
    private long recentWritten;

    @GuardedBy("this")
    private long total;

    @GuardedBy("this")
    private long headWritten;

    @GuardedBy("this")
    private long tailWritten;

    @GuardedBy("this")
    private RandomAccessFile ring;

    @GuardedBy("this")
    private Path ringFile;

    @GuardedBy("this")
    private boolean closed;

    /** A log that keeps only the tail once {@code capBytes} is exceeded. */
    public AttemptLog(Path file, long capBytes, LogSink sink) throws IOException {
        this(file, capBytes, capBytes, sink);
    }

    /**
     * @param file the log file; created or truncated
     * @param capBytes at most this many bytes of output are kept in the file (plus one marker line);
     *     0 = no cap
     * @param tailBytes how many of them are the tail: 1..capBytes (ignored when capBytes is 0)
     * @param sink receives every byte, uncapped
     */
    public AttemptLog(Path file, long capBytes, long tailBytes, LogSink sink) throws IOException {
        if (capBytes < 0) {
            throw new IllegalArgumentException("log cap must be >= 0, got " + capBytes);
        }
        if (capBytes > 0 && (tailBytes < 1 || tailBytes > capBytes)) {
            throw new IllegalArgumentException("log tail must be 1.." + capBytes + " bytes, got " + tailBytes);
        }
        this.file = file;
        this.capBytes = capBytes;
        this.tailBytes = capBytes == 0 ? 0 : tailBytes;
        this.headBytes = capBytes == 0 ? Long.MAX_VALUE : capBytes - tailBytes;
        this.sink = sink;
        this.out = Files.newOutputStream(
                file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }

    /** The log file. */
    public Path file() {
        return file;
    }

    /**
     * Appends output of a phase: to the sink (may block, see {@link LogSink}), to the file within
     * the cap, and to the in-memory tail.
     */
    public synchronized void write(Phase phase, byte[] bytes, int off, int len)
            throws IOException, InterruptedException {
        if (len == 0) {
            return;
        }
        ensureOpen();
        sink.write(Arrays.copyOfRange(bytes, off, off + len), phase);
        total += len;
        remember(bytes, off, len);
        int headPart = (int) Math.min(len, headBytes - headWritten);
        if (headPart > 0) {
            out.write(bytes, off, headPart);
            headWritten += headPart;
        }
        if (headPart < len) {
            writeTail(bytes, off + headPart, len - headPart);
        }
    }

    /** Appends one line written by the worker itself (phase banners, failure summaries). */
    public void note(Phase phase, String line) throws IOException, InterruptedException {
        byte[] bytes = ("==> farm: " + line + "\n").getBytes(StandardCharsets.UTF_8);
        write(phase, bytes, 0, bytes.length);
    }

    /** Bytes written so far, including any the cap dropped from the file. */
    public synchronized long totalBytes() {
        return total;
    }

    /** Bytes the cap dropped from the file so far. */
    public synchronized long droppedBytes() {
        return Math.max(0, tailWritten - tailBytes);
    }

    /**
     * The end of the log: at most {@code maxLines} lines and {@code maxBytes} bytes (at most 8 KiB
     * are remembered), starting at a line boundary when the excerpt does not reach the start.
     */
    public synchronized String tail(int maxLines, int maxBytes) {
        int have = (int) Math.min(recentWritten, RECENT_BYTES);
        int take = Math.min(have, Math.max(0, maxBytes));
        byte[] last = new byte[take];
        long start = recentWritten - take;
        for (int i = 0; i < take; i++) {
            last[i] = recent[(int) ((start + i) % RECENT_BYTES)];
        }
        String text = new String(last, StandardCharsets.UTF_8);
        boolean cut = start > 0;
        if (cut) {
            int nl = text.indexOf('\n');
            if (nl >= 0 && nl < text.length() - 1) {
                text = text.substring(nl + 1);
            }
        }
        String[] lines = text.split("\n", -1);
        int end = lines.length;
        if (end > 0 && lines[end - 1].isEmpty()) {
            end--;
        }
        int from = Math.max(0, end - Math.max(0, maxLines));
        if (from >= end) {
            return "";
        }
        return String.join("\n", Arrays.asList(lines).subList(from, end)) + "\n";
    }

    /** Finishes the file: appends the marker line and the kept tail when the cap was reached. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (OutputStream o = out) {
            if (ring == null) {
                return;
            }
            long dropped = droppedBytes();
            if (dropped > 0) {
                String marker = (headWritten > 0 && !endsWithNewlineAt(headWritten) ? "\n" : "")
                        + "[farm: log cap of " + capBytes + " bytes reached: " + dropped
                        + " bytes dropped here, the last " + tailBytes + " bytes follow]\n";
                o.write(marker.getBytes(StandardCharsets.UTF_8));
                log.info("log {} exceeded its cap of {} bytes: {} bytes dropped", file, capBytes, dropped);
            }
            long kept = Math.min(tailWritten, tailBytes);
            long start = tailWritten % tailBytes;
            if (tailWritten <= tailBytes) {
                start = 0;
            }
            copyRing(o, start, kept);
        } finally {
            if (ring != null) {
                ring.close();
                Files.deleteIfExists(ringFile);
            }
        }
    }

    @GuardedBy("this")
    private boolean endsWithNewlineAt(long headLength) {
        // The head is in the file; we only need its last byte, which is still in the stream buffer
        // or on disk. Reading it back is cheap and happens once.
        try {
            out.flush();
            try (RandomAccessFile r = new RandomAccessFile(file.toFile(), "r")) {
                r.seek(headLength - 1);
                return r.read() == '\n';
            }
        } catch (IOException e) {
            return true;
        }
    }

    @GuardedBy("this")
    private void copyRing(OutputStream o, long start, long count) throws IOException {
        byte[] buf = new byte[64 << 10];
        long pos = start;
        long left = count;
        while (left > 0) {
            ring.seek(pos);
            int n = (int) Math.min(Math.min(buf.length, left), tailBytes - pos);
            ring.readFully(buf, 0, n);
            o.write(buf, 0, n);
            left -= n;
            pos = (pos + n) % tailBytes;
        }
    }

    @GuardedBy("this")
    private void writeTail(byte[] bytes, int off, int len) throws IOException {
        if (ring == null) {
            ringFile = file.resolveSibling(file.getFileName() + ".tail");
            ring = new RandomAccessFile(ringFile.toFile(), "rw");
            ring.setLength(0);
        }
        // Only the last tailBytes of this write can survive.
        if (len > tailBytes) {
            tailWritten += len - tailBytes;
            off += (int) (len - tailBytes);
            len = (int) tailBytes;
        }
        while (len > 0) {
            long pos = tailWritten % tailBytes;
            int n = (int) Math.min(len, tailBytes - pos);
            ring.seek(pos);
            ring.write(bytes, off, n);
            tailWritten += n;
            off += n;
            len -= n;
        }
    }

    @GuardedBy("this")
    private void remember(byte[] bytes, int off, int len) {
        if (len > RECENT_BYTES) {
            off += len - RECENT_BYTES;
            recentWritten += len - RECENT_BYTES;
            len = RECENT_BYTES;
        }
        for (int i = 0; i < len; i++) {
            recent[(int) (recentWritten % RECENT_BYTES)] = bytes[off + i];
            recentWritten++;
        }
    }

    @GuardedBy("this")
    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("log " + file + " is closed");
        }
    }
}
