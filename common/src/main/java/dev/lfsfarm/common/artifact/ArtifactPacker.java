package dev.lfsfarm.common.artifact;

import dev.lfsfarm.proto.v1.EntryType;
import dev.lfsfarm.proto.v1.Manifest;
import dev.lfsfarm.proto.v1.ManifestEntry;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs a DESTDIR into a package artifact (a gzip-compressed tar) and describes it with a
 * {@link Manifest}.
 *
 * <p>The archive is deterministic: the same tree gives byte-identical archives whoever packs it
 * and whenever, so identical build outputs get identical digests. (The tar stream is identical
 * everywhere; the gzip bytes also depend on the zlib the JVM uses, so hosts with a different zlib,
 * e.g. zlib-ng, may produce a different artifact digest for the same tree. Manifests, which hash
 * file contents, do not have that caveat.) Entries are sorted
 * byte-wise by path (directories before their content); owner is 0:0 with empty names; every
 * mtime is {@link #ENTRY_MTIME} (2000-01-01T00:00:00Z); modes keep all permission bits
 * including setuid/setgid/sticky; symlinks are stored as symlinks with their target unchanged;
 * hard links become separate regular files; long and non-ASCII names use PAX records. gzip runs at
 * level 1 (packing speed matters more than a few percent of size) with a zero header mtime.
 *
 * <p>Devices, fifos and sockets are refused: nothing a package installs should be one, and an
 * unprivileged extractor could not recreate them.
 */
public final class ArtifactPacker {

    /** The mtime every archive entry carries. */
    public static final Instant ENTRY_MTIME = DeterministicTarWriter.ENTRY_MTIME;

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactPacker.class);

    private ArtifactPacker() {}

    /**
     * Writes the artifact of {@code destDir} to {@code out} (which stays open) and returns its
     * manifest, whose {@code artifact} digest is that of the bytes written.
     *
     * @throws IOException when the tree holds a special file or a file name that is not UTF-8,
     *                     when a file changes size while it is read, or on I/O failure
     */
    public static Manifest pack(Path destDir, OutputStream out) throws IOException {
        List<TreeEntry> entries = TreeScanner.scan(destDir);
        for (TreeEntry entry : entries) {
            if (entry.special() != null) {
                throw new IOException("cannot pack " + entry.file() + ": it is a " + entry.special()
                        + "; artifacts hold only regular files, directories and symlinks");
            }
        }
        DigestingOutputStream digesting = new DigestingOutputStream(new KeepOpen(out));
        Manifest.Builder manifest = Manifest.newBuilder();
        long totalFileBytes = 0;
        try (DeterministicTarWriter tar =
                new DeterministicTarWriter(new FastGzip(new BufferedOutputStream(digesting, Sha256.BUFFER_SIZE)))) {
            for (TreeEntry entry : entries) {
                ManifestEntry.Builder m = ManifestEntry.newBuilder()
                        .setPath(entry.path())
                        .setType(entry.type())
                        .setMode(entry.mode());
                if (entry.type() == EntryType.ENTRY_TYPE_DIRECTORY) {
                    tar.directory(entry.path(), entry.mode());
                } else if (entry.type() == EntryType.ENTRY_TYPE_SYMLINK) {
                    tar.symlink(entry.path(), entry.mode(), entry.linkTarget());
                    m.setLinkTarget(entry.linkTarget());
                } else {
                    String sha256;
                    try (InputStream in = Files.newInputStream(entry.file(), LinkOption.NOFOLLOW_LINKS)) {
                        sha256 = tar.file(entry.path(), entry.mode(), entry.size(), in);
                    }
                    m.setSizeBytes(entry.size()).setSha256(sha256);
                    totalFileBytes += entry.size();
                }
                manifest.addEntries(m);
            }
            tar.finish();
        }
        manifest.setArtifact(digesting.digest()).setTotalFileBytes(totalFileBytes);
        LOG.debug(
                "packed {}: {} entries, {} file bytes, artifact {}",
                destDir,
                entries.size(),
                totalFileBytes,
                Sha256.describe(manifest.getArtifact()));
        return manifest.build();
    }

    /** gzip at level 1; the JDK header has mtime 0 and no file name, so it is deterministic. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, Sha256.BUFFER_SIZE);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }

    /** Lets the archive streams be closed (releasing the Deflater) without closing the caller's stream. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
