package dev.lfsfarm.common.artifact;

import dev.lfsfarm.proto.v1.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * SHA-256 in the one spelling the wire API accepts: 64 lower-case hexadecimal characters.
 * Every blob, artifact and file in a manifest is addressed this way, so hashing lives in one
 * place and always streams (64 KiB buffers) instead of loading files into memory.
 */
public final class Sha256 {

    /** Read buffer for streaming digests. */
    public static final int BUFFER_SIZE = 64 * 1024;

    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final HexFormat HEX = HexFormat.of();

    private Sha256() {}

    /** A fresh SHA-256 {@link MessageDigest}; every JVM is required to provide one. */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Lower-case hex of a finished digest. */
    public static String toHex(byte[] digestBytes) {
        return HEX.formatHex(digestBytes);
    }

    /** True when {@code value} is exactly 64 lower-case hexadecimal characters. */
    public static boolean isValid(String value) {
        return value != null && HEX64.matcher(value).matches();
    }

    /** Hex SHA-256 of {@code data}. */
    public static String of(byte[] data) {
        return toHex(newDigest().digest(data));
    }

    /** Hex SHA-256 of everything left in {@code in}; the stream is read to its end, not closed. */
    public static String of(InputStream in) throws IOException {
        return digest(in).getSha256();
    }

    /** Hex SHA-256 of a file's content. */
    public static String of(Path file) throws IOException {
        return digest(file).getSha256();
    }

    /** Digest (SHA-256 and size) of everything left in {@code in}; not closed. */
    public static Digest digest(InputStream in) throws IOException {
        MessageDigest md = newDigest();
        byte[] buffer = new byte[BUFFER_SIZE];
        long size = 0;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            md.update(buffer, 0, n);
            size += n;
        }
        return Digest.newBuilder()
                .setSha256(toHex(md.digest()))
                .setSizeBytes(size)
                .build();
    }

    /** Digest (SHA-256 and size) of a file's content. */
    public static Digest digest(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return digest(in);
        }
    }

    /** Digest (SHA-256 and size) of {@code data}. */
    public static Digest digest(byte[] data) {
        return Digest.newBuilder().setSha256(of(data)).setSizeBytes(data.length).build();
    }

    /** Human-readable form used in logs and error messages: {@code sha256:<hex> (<n> bytes)}. */
    public static String describe(Digest digest) {
        return "sha256:" + digest.getSha256() + " (" + digest.getSizeBytes() + " bytes)";
    }
}
