package dev.lfsfarm.common.artifact;

import dev.lfsfarm.proto.v1.Digest;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Passes bytes through to another stream while hashing and counting them, so a producer (the
 * packer, a store write) learns the {@link Digest} of what it wrote without reading it back.
 */
public final class DigestingOutputStream extends FilterOutputStream {

    private final MessageDigest md = Sha256.newDigest();
    private long count;
    private Digest digest;

    public DigestingOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        checkOpenForHashing();
        out.write(b);
        md.update((byte) b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        checkOpenForHashing();
        out.write(b, off, len);
        md.update(b, off, len);
        count += len;
    }

    /** Bytes written so far. */
    public long count() {
        return count;
    }

    /**
     * Digest of everything written. Finishes the hash: later writes fail. Does not flush or close
     * the underlying stream.
     */
    public Digest digest() {
        if (digest == null) {
            digest = Digest.newBuilder()
                    .setSha256(Sha256.toHex(md.digest()))
                    .setSizeBytes(count)
                    .build();
        }
        return digest;
    }

    private void checkOpenForHashing() throws IOException {
        if (digest != null) {
            throw new IOException("write after digest() was taken");
        }
    }
}
