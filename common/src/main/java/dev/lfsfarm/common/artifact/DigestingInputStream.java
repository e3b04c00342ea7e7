package dev.lfsfarm.common.artifact;

import dev.lfsfarm.proto.v1.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Hashes and counts the bytes a consumer reads, so a blob can be verified while it is being
 * used (e.g. extracted) instead of in a second pass. Mark/reset is not supported.
 */
public final class DigestingInputStream extends FilterInputStream {

    private final MessageDigest md = Sha256.newDigest();
    private long count;

    public DigestingInputStream(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            md.update((byte) b);
            count++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            md.update(b, off, n);
            count += n;
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[(int) Math.min(Sha256.BUFFER_SIZE, Math.max(n, 1))];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
        // not supported: a reset would hash bytes twice
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }

    /** Bytes read so far. */
    public long count() {
        return count;
    }

    /** Digest of the bytes read so far; call once, after the last read. */
    public Digest digest() {
        return Digest.newBuilder()
                .setSha256(Sha256.toHex(md.digest()))
                .setSizeBytes(count)
                .build();
    }

    /** Reads and hashes whatever the consumer left unread (e.g. tar padding after the last entry). */
    public void drain() throws IOException {
        byte[] buffer = new byte[Sha256.BUFFER_SIZE];
        while (read(buffer, 0, buffer.length) >= 0) {
            // hashing happens in read
        }
    }
}
