package dev.lfsfarm.common.artifact;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A {@link TarArchiveInputStream} that also reports the names each entry had in the archive
 * before commons-compress normalised them.
 *
 * <p>Why: commons-compress silently strips leading slashes from entry names ("/etc/passwd"
 * becomes "etc/passwd"). That is safe, but an artifact with absolute names is malformed and the
 * extractor must say so instead of guessing what was meant. So this class keeps the raw header
 * records and the extended-header data (PAX {@code path}, GNU long names) read while the next
 * entry is located, and {@link #rawNames()} returns the names found there.
 */
final class RawNameTarInputStream extends TarArchiveInputStream {

    /** A header record and the entry data read after it while locating the next real entry. */
    private static final class Segment {
        final byte[] header;
        final ByteArrayOutputStream data = new ByteArrayOutputStream();

        Segment(byte[] header) {
            this.header = header;
        }
    }

    private static final int NAME_OFFSET = 0;
    private static final int NAME_LENGTH = 100;
    private static final int TYPE_OFFSET = 156;
    private static final int MAGIC_OFFSET = 257;
    private static final int PREFIX_OFFSET = 345;
    private static final int PREFIX_LENGTH = 155;
    private static final byte[] USTAR_MAGIC = "ustar\0".getBytes(StandardCharsets.US_ASCII);

    private final List<Segment> segments = new ArrayList<>();
    private int depth;
    private boolean capturing;

    RawNameTarInputStream(InputStream in) {
        super(in, StandardCharsets.UTF_8.name());
    }

    @Override
    public TarArchiveEntry getNextEntry() throws IOException {
        if (depth == 0) {
            skipRestOfEntry();
            segments.clear();
            capturing = true;
        }
        depth++;
        try {
            return super.getNextEntry();
        } finally {
            depth--;
            if (depth == 0) {
                capturing = false;
            }
        }
    }

    @Override
    protected byte[] readRecord() throws IOException {
        byte[] record = super.readRecord();
        if (capturing && record != null) {
            segments.add(new Segment(record.clone()));
        }
        return record;
    }

    @Override
    public int read(byte[] buf, int offset, int numToRead) throws IOException {
        int n = super.read(buf, offset, numToRead);
        if (capturing && n > 0 && !segments.isEmpty()) {
            segments.get(segments.size() - 1).data.write(buf, offset, n);
        }
        return n;
    }

    /**
     * Names (entry names, PAX {@code path} values, GNU long names) spelled in the archive for the
     * entry last returned by {@link #getNextEntry()}, including those of its extended headers.
     */
    List<String> rawNames() throws IOException {
        List<String> names = new ArrayList<>();
        for (Segment segment : segments) {
            byte[] h = segment.header;
            if (h.length < PREFIX_OFFSET + PREFIX_LENGTH || isZero(h)) {
                continue;
            }
            String name = cString(h, NAME_OFFSET, NAME_LENGTH);
            if (Arrays.equals(h, MAGIC_OFFSET, MAGIC_OFFSET + USTAR_MAGIC.length, USTAR_MAGIC, 0, USTAR_MAGIC.length)) {
                String prefix = cString(h, PREFIX_OFFSET, PREFIX_LENGTH);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
            }
            names.add(name);
            byte type = h[TYPE_OFFSET];
            if (type == TarConstants.LF_PAX_EXTENDED_HEADER_LC
                    || type == TarConstants.LF_PAX_EXTENDED_HEADER_UC
                    || type == TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER) {
                String path = paxRecords(segment).get("path");
                if (path != null) {
                    names.add(path);
                }
            } else if (type == TarConstants.LF_GNUTYPE_LONGNAME) {
                names.add(cString(segment.data.toByteArray(), 0, segment.data.size()));
            }
        }
        return names;
    }

    /** True when a global PAX header ('g') seen for the last entry sets a path or link path for every later entry. */
    boolean globalHeaderSetsNames() throws IOException {
        for (Segment segment : segments) {
            if (segment.header.length > TYPE_OFFSET
                    && segment.header[TYPE_OFFSET] == TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER) {
                Map<String, String> records = paxRecords(segment);
                if (records.containsKey("path") || records.containsKey("linkpath")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Parses PAX records ({@code "<len> <key>=<value>\n"}); commons-compress keeps its parser protected. */
    private static Map<String, String> paxRecords(Segment segment) throws IOException {
        byte[] data = segment.data.toByteArray();
        Map<String, String> records = new HashMap<>();
        int pos = 0;
        while (pos < data.length && data[pos] != 0) {
            int space = pos;
            int length = 0;
            while (space < data.length && data[space] >= '0' && data[space] <= '9') {
                length = Math.addExact(Math.multiplyExact(length, 10), data[space] - '0');
                space++;
            }
            int end = pos + length;
            if (space == pos
                    || space >= data.length
                    || data[space] != ' '
                    || end > data.length
                    || end <= space + 1
                    || data[end - 1] != '\n') {
                throw new IOException("malformed PAX header record at byte " + pos);
            }
            String record = new String(data, space + 1, end - space - 2, StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq <= 0) {
                throw new IOException("malformed PAX header record at byte " + pos);
            }
            records.put(record.substring(0, eq), record.substring(eq + 1));
            pos = end;
        }
        return records;
    }

    private void skipRestOfEntry() throws IOException {
        if (getCurrentEntry() == null) {
            return;
        }
        byte[] buffer = new byte[Sha256.BUFFER_SIZE];
        while (read(buffer, 0, buffer.length) >= 0) {
            // discard what the caller did not read
        }
    }

    private static boolean isZero(byte[] record) {
        for (byte b : record) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] bytes, int offset, int length) {
        int end = offset;
        while (end < offset + length && end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
    }
}
