package dev.lfsfarm.common.artifact;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes tar entries whose bytes depend only on the entry's path, type, mode, size, content and
 * link target: owner 0:0 with empty user and group names, a fixed mtime ({@link #ENTRY_MTIME}),
 * and permission bits only (07777) in the mode field.
 *
 * <p>Why not let commons-compress write the PAX headers for long or non-ASCII names
 * ({@code LONGFILE_POSIX})? Its extended-header entries carry the JVM's {@code user.name}, so the
 * same tree packed by two users would give two different archives. This class writes the PAX
 * ({@code 'x'}) headers itself, with the same fixed owner fields, and the real entry's ustar name
 * is an ASCII placeholder that every PAX reader ignores. The stream is set to {@code
 * LONGFILE_ERROR}, so commons-compress never adds a header of its own. Sizes beyond the ustar
 * field (8 GiB) get a PAX {@code size} record plus star/GNU base-256 in the header ({@code
 * BIGNUMBER_STAR}), again without a commons-compress PAX header.
 */
final class DeterministicTarWriter implements Closeable {

    /** Fixed mtime of every entry: 2000-01-01T00:00:00Z (after the epoch, which some tools flag as bogus). */
    static final Instant ENTRY_MTIME = Instant.parse("2000-01-01T00:00:00Z");

    /** Longest name the ustar name field holds without a PAX record (100 bytes minus the NUL commons-compress wants). */
    private static final int USTAR_NAME_MAX = 99;
    /** Largest size the 12-byte octal ustar field holds. */
    private static final long USTAR_SIZE_MAX = 077777777777L;

    private static final FileTime MTIME = FileTime.from(ENTRY_MTIME);

    private final TarArchiveOutputStream tar;
    private final byte[] buffer = new byte[Sha256.BUFFER_SIZE];

    DeterministicTarWriter(OutputStream out) {
        this.tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_ERROR);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
        tar.setAddPaxHeadersForNonAsciiNames(false);
    }

    /** A directory entry; {@code path} has no trailing slash. */
    void directory(String path, int mode) throws IOException {
        TarArchiveEntry entry = entry(path + "/", TarConstants.LF_DIR, mode, new TreeMap<>());
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    /** A symlink entry pointing at {@code target}, stored as is. */
    void symlink(String path, int mode, String target) throws IOException {
        Map<String, String> pax = new TreeMap<>();
        String headerTarget = target;
        if (needsPax(target)) {
            pax.put("linkpath", target);
            headerTarget = placeholder(target);
        }
        TarArchiveEntry entry = entry(path, TarConstants.LF_SYMLINK, mode, pax);
        entry.setLinkName(headerTarget);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    /**
     * A regular file entry of exactly {@code size} bytes read from {@code content}; returns the
     * SHA-256 of those bytes. Fails when the content is shorter or longer than {@code size}
     * (the file changed while it was being packed).
     */
    String file(String path, int mode, long size, InputStream content) throws IOException {
        Map<String, String> pax = new TreeMap<>();
        if (size > USTAR_SIZE_MAX) {
            pax.put("size", Long.toString(size));
        }
        TarArchiveEntry entry = entry(path, TarConstants.LF_NORMAL, mode, pax);
        entry.setSize(size);
        tar.putArchiveEntry(entry);
        MessageDigest md = Sha256.newDigest();
        long remaining = size;
        while (remaining > 0) {
            int n = content.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                throw new IOException(
                        path + " shrank while it was packed: expected " + size + " bytes, got " + (size - remaining));
            }
            md.update(buffer, 0, n);
            tar.write(buffer, 0, n);
            remaining -= n;
        }
        if (content.read() >= 0) {
            throw new IOException(path + " grew while it was packed: expected " + size + " bytes");
        }
        tar.closeArchiveEntry();
        return Sha256.toHex(md.digest());
    }

    /** Writes the end-of-archive records; the underlying stream stays open. */
    void finish() throws IOException {
        tar.finish();
    }

    /** Finishes the archive and closes the underlying stream. */
    @Override
    public void close() throws IOException {
        tar.close();
    }

    private TarArchiveEntry entry(String name, byte type, int mode, Map<String, String> pax) throws IOException {
        String headerName = name;
        if (needsPax(name)) {
            pax.put("path", name);
            headerName = placeholder(name);
        }
        if (!pax.isEmpty()) {
            writePaxHeader(headerName, pax);
        }
        TarArchiveEntry entry = new TarArchiveEntry(headerName, type);
        entry.setMode(mode & 07777);
        fixedOwnerAndTime(entry);
        return entry;
    }

    private void writePaxHeader(String headerName, Map<String, String> records) throws IOException {
        byte[] body = encodePaxRecords(records);
        String name = "PaxHeaders/" + headerName;
        if (name.length() > USTAR_NAME_MAX) {
            name = name.substring(0, USTAR_NAME_MAX);
        }
        TarArchiveEntry pax = new TarArchiveEntry(name, TarConstants.LF_PAX_EXTENDED_HEADER_LC);
        pax.setMode(0644);
        fixedOwnerAndTime(pax);
        pax.setSize(body.length);
        tar.putArchiveEntry(pax);
        tar.write(body);
        tar.closeArchiveEntry();
    }

    private static void fixedOwnerAndTime(TarArchiveEntry entry) {
        entry.setUserId(0L);
        entry.setGroupId(0L);
        entry.setUserName("");
        entry.setGroupName("");
        entry.setModTime(MTIME);
    }

    /** PAX records ({@code "<len> <key>=<value>\n"}, len counting itself) in key order. */
    static byte[] encodePaxRecords(Map<String, String> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new TreeMap<>(records).forEach((key, value) -> {
            int bodyLength = (" " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8).length;
            int length = bodyLength + Integer.toString(bodyLength).length();
            if (Integer.toString(length).length()
                    != Integer.toString(bodyLength).length()) {
                length = bodyLength + Integer.toString(length).length();
            }
            out.writeBytes((length + " " + key + "=" + value + "\n").getBytes(StandardCharsets.UTF_8));
        });
        return out.toByteArray();
    }

    private static boolean needsPax(String name) {
        if (name.getBytes(StandardCharsets.UTF_8).length > USTAR_NAME_MAX) {
            return true;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return true;
            }
        }
        return false;
    }

    /** ASCII stand-in for a name carried by a PAX record: readers that know PAX never show it. */
    private static String placeholder(String name) {
        StringBuilder sb = new StringBuilder(Math.min(name.length(), USTAR_NAME_MAX));
        for (int i = 0; i < name.length() && sb.length() < USTAR_NAME_MAX; i++) {
            char c = name.charAt(i);
            sb.append(c < 0x20 || c > 0x7e ? '_' : c);
        }
        return sb.toString();
    }
}
