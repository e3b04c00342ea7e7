package dev.lfsfarm.coordinator.log;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Build logs on disk, one per package attempt, capped: when a log passes its cap the oldest half
 * is dropped (two segment files rotate), so the tail is always kept and memory use does not grow
 * with the log. Readers address bytes by absolute offset from the start of the attempt's log;
 * what was dropped is reported as elided. Thread-safe.
 */
public final class LogStore {
    private final Path root;
    private final long capBytes;
    private final Map<String, AttemptLog> logs = new ConcurrentHashMap<>();

    /**
     * @param root folder for log files
     * @param capBytes bytes kept per attempt at most (the tail)
     */
    public LogStore(Path root, long capBytes) {
        this.root = root;
        this.capBytes = Math.max(capBytes, 2);
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a read returned: bytes from {@code offset} on, and how many bytes before them were dropped. */
    public record Chunk(long offset, byte[] data, long elidedBytes, boolean closed) {}

    /** Appends bytes to an attempt's log; wakes followers. */
    public void append(String attemptId, byte[] data) {
        log(attemptId).append(data);
    }

    /** Marks the log complete: followers end after reading what is left. */
    public void close(String attemptId) {
        log(attemptId).close();
    }

    /** Reads up to {@code max} bytes from {@code offset} (clamped to what is still kept). */
    public Chunk read(String attemptId, long offset, int max) {
        return log(attemptId).read(offset, max);
    }

    public long size(String attemptId) {
        return log(attemptId).written();
    }

    public boolean exists(String attemptId) {
        return logs.containsKey(attemptId) || Files.exists(root.resolve(attemptId + ".0"));
    }

    /** Calls {@code listener} after every append or close; returns a handle to stop listening. */
    public Runnable listen(String attemptId, Runnable listener) {
        AttemptLog log = log(attemptId);
        log.listeners.add(listener);
        return () -> log.listeners.remove(listener);
    }

    /** The last {@code maxBytes} of the log as text (for failure summaries). */
    public String tail(String attemptId, int maxBytes) {
        AttemptLog log = log(attemptId);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long at = Math.max(0, log.written() - maxBytes);
        while (out.size() < maxBytes) {
            Chunk chunk = log.read(at, maxBytes - out.size()); // one segment at most per read
            if (chunk.data().length == 0) {
                break;
            }
            out.write(chunk.data(), 0, chunk.data().length);
            at = chunk.offset() + chunk.data().length;
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private AttemptLog log(String attemptId) {
        return logs.computeIfAbsent(
                attemptId, id -> new AttemptLog(root.resolve(id + ".0"), root.resolve(id + ".1"), capBytes / 2));
    }

    /** Two segments: {@code older} then {@code current}; when current reaches half the cap it becomes older. */
    private static final class AttemptLog {
        private final Path[] files;
        private final long segmentBytes;
        private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

        @GuardedBy("this")
        private int currentIndex;

        @GuardedBy("this")
        private long written;

        @GuardedBy("this")
        private long currentStart;

        @GuardedBy("this")
        private long olderStart;

        @GuardedBy("this")
        private boolean hasOlder;

        @GuardedBy("this")
        private boolean closed;

        AttemptLog(Path first, Path second, long segmentBytes) {
            this.files = new Path[] {first, second};
            this.segmentBytes = Math.max(1, segmentBytes);
        }

        void append(byte[] data) {
            synchronized (this) {
                try {
                    int pos = 0;
                    while (pos < data.length) {
                        long room = segmentBytes - (written - currentStart);
                        if (room <= 0) {
                            rotate();
                            continue;
                        }
                        int n = (int) Math.min(room, data.length - pos);
                        try (RandomAccessFile out = new RandomAccessFile(files[currentIndex].toFile(), "rw")) {
                            out.seek(written - currentStart);
                            out.write(data, pos, n);
                        }
                        pos += n;
                        written += n;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            listeners.forEach(Runnable::run);
        }

        private void rotate() throws IOException {
            olderStart = currentStart;
            hasOlder = true;
            currentIndex = 1 - currentIndex;
            currentStart = written;
            Files.deleteIfExists(files[currentIndex]);
        }

        void close() {
            synchronized (this) {
                closed = true;
            }
            listeners.forEach(Runnable::run);
        }

        synchronized long written() {
            return written;
        }

        synchronized Chunk read(long offset, int max) {
            long kept = hasOlder ? olderStart : currentStart;
            long elided = Math.max(0, kept - offset); // the bytes between the offset asked for and the first kept one
            long from = Math.max(offset, kept);
            if (from >= written) {
                return new Chunk(from, new byte[0], elided, closed);
            }
            boolean inOlder = hasOlder && from < currentStart;
            Path file = inOlder ? files[1 - currentIndex] : files[currentIndex];
            long segmentStart = inOlder ? olderStart : currentStart;
            long segmentEnd = inOlder ? currentStart : written;
            int n = (int) Math.min(max, segmentEnd - from);
            byte[] data = new byte[n];
            try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
                in.seek(from - segmentStart);
                in.readFully(data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            boolean end = closed && from + n >= written;
            return new Chunk(from, data, elided, end);
        }
    }
}
