package dev.lfsfarm.coordinator.artifact;

import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.proto.v1.Digest;
import java.io.IOException;

/**
 * The bytes written to the store do not match the digest the writer announced, so nothing was
 * stored. Usually the uploader's file changed while it was read.
 */
public final class DigestMismatchException extends IOException {

    private final String expectedSha256;
    private final long expectedSize;
    private final Digest actual;

    /**
     * @param expectedSha256 announced SHA-256, or null when only the size was announced
     * @param expectedSize   announced size, or -1 when only the hash was announced
     * @param actual         digest of the bytes received
     */
    public DigestMismatchException(String expectedSha256, long expectedSize, Digest actual) {
        super("received " + Sha256.describe(actual) + ", expected " + describeExpected(expectedSha256, expectedSize)
                + "; nothing stored");
        this.expectedSha256 = expectedSha256;
        this.expectedSize = expectedSize;
        this.actual = actual;
    }

    /** Announced SHA-256, or null. */
    public String expectedSha256() {
        return expectedSha256;
    }

    /** Announced size, or -1. */
    public long expectedSize() {
        return expectedSize;
    }

    /** Digest of what was received. */
    public Digest actual() {
        return actual;
    }

    private static String describeExpected(String sha256, long size) {
        return (sha256 == null ? "any sha256" : "sha256:" + sha256) + " (" + (size < 0 ? "any size" : size + " bytes")
                + ")";
    }
}
