package dev.lfsfarm.common.artifact;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks a package artifact (gzip-compressed tar) into a folder, refusing anything that could
 * write outside it. Artifacts come from workers, so a buggy or hostile worker must not be able to
 * reach the host of the worker that stages them.
 *
 * <p>The rules, each failing with {@link UnsafeArtifactException} naming the entry:
 * <ul>
 *   <li>Entry names are relative: no leading '/', no empty, "." or ".." components (one leading
 *       "./" is accepted, as GNU tar writes it). Hard link targets follow the same rule.</li>
 *   <li><b>Symlinks are never followed.</b> An entry whose parent path goes through a symlink
 *       (one from this archive, or one already in the folder from an earlier artifact) is
 *       refused, and so is a directory entry that would replace a symlink. Files are created with
 *       {@code O_CREAT|O_EXCL|O_NOFOLLOW} after removing whatever was at their path, so an
 *       existing link is replaced, never written through. This is what actually prevents
 *       tar-slip through links.</li>
 *   <li>Absolute symlink targets ({@code usr/lib/libz.so -> /usr/lib/libz.so.1}) are allowed:
 *       they are legitimate in a sysroot, mean "inside the final system", and the extractor never
 *       follows them.</li>
 *   <li>Relative symlink targets are resolved lexically against the link's folder and refused
 *       when they climb above the root ({@code a/evil -> ../../etc}). The check is lexical: it
 *       does not chase chains of links (that is safe because of the rule above).</li>
 *   <li>Hard links must point at a regular file extracted earlier from the same archive.</li>
 *   <li>Devices and fifos are refused; sparse and other unknown entry types fail with an
 *       IOException.</li>
 * </ul>
 *
 * <p>Extracting into a folder that already has content (a sysroot staged from several artifacts)
 * merges: existing directories are kept (their mode set from the archive), an existing file or
 * symlink at an entry's path is replaced, an existing non-empty directory where the archive has
 * a file is an error. Files get the archive's permission bits (including setuid/setgid) and
 * mtime; directory modes are applied at the end so read-only directories can be filled first.
 * Ownership is not changed: files belong to the extracting user.
 */
public final class ArtifactExtractor {

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactExtractor.class);

    private ArtifactExtractor() {}

    /**
     * Extracts {@code tarGz} (read to the end of the archive; not closed) into {@code target},
     * which is created if missing.
     *
     * @return how many entries were extracted
     * @throws UnsafeArtifactException when an entry breaks a rule above; earlier entries stay extracted
     * @throws IOException             on malformed archives and I/O failures
     */
    public static int extract(InputStream tarGz, Path target) throws IOException {
        if (!Files.isDirectory(target)) {
            Files.createDirectories(target);
        }
        Path root = target.toRealPath();
        try (RawNameTarInputStream tar = new RawNameTarInputStream(new GZIPInputStream(
                new BufferedInputStream(new KeepOpen(tarGz), Sha256.BUFFER_SIZE), Sha256.BUFFER_SIZE))) {
            int count = new Extraction(root, tar).run();
            LOG.debug("extracted {} entries into {}", count, root);
            return count;
        }
    }

    /** State of one extraction. */
    private static final class Extraction {
        private final Path root;
        private final RawNameTarInputStream tar;
        private final Set<String> extractedFiles = new HashSet<>();
        private final Deque<DirectoryMode> directoryModes = new ArrayDeque<>();
        private final byte[] buffer = new byte[Sha256.BUFFER_SIZE];

        private record DirectoryMode(Path dir, int mode) {}

        Extraction(Path root, RawNameTarInputStream tar) {
            this.root = root;
            this.tar = tar;
        }

        int run() throws IOException {
            int count = 0;
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                if (extract(entry)) {
                    count++;
                }
            }
            for (DirectoryMode dm : directoryModes) {
                Files.setAttribute(dm.dir(), "unix:mode", dm.mode(), LinkOption.NOFOLLOW_LINKS);
            }
            return count;
        }

        /** Extracts one entry; false for the archive's root ("./"), which creates nothing. */
        private boolean extract(TarArchiveEntry entry) throws IOException {
            String name = entry.getName();
            if (!entry.isCheckSumOK()) {
                throw new IOException("corrupt artifact: bad header checksum for entry '" + name + "'");
            }
            for (String raw : tar.rawNames()) {
                if (raw.startsWith("/")) {
                    throw new UnsafeArtifactException(raw, "absolute path");
                }
            }
            if (tar.globalHeaderSetsNames()) {
                throw new UnsafeArtifactException(name, "a global PAX header sets path or linkpath for later entries");
            }
            List<String> parts = relativeParts(name, name, "path");
            if (parts.isEmpty() && entry.isDirectory()) {
                return false; // "./": the root itself, which belongs to the caller
            }
            int mode = entry.getMode() & 07777;
            byte flag = entry.getLinkFlag();
            if (flag == TarConstants.LF_CHR || flag == TarConstants.LF_BLK) {
                throw new UnsafeArtifactException(
                        name, "device entry (artifacts hold only files, directories and links)");
            } else if (flag == TarConstants.LF_FIFO) {
                throw new UnsafeArtifactException(
                        name, "fifo entry (artifacts hold only files, directories and links)");
            } else if (flag == TarConstants.LF_SYMLINK) {
                symlink(name, parts, entry.getLinkName());
            } else if (flag == TarConstants.LF_LINK) {
                hardLink(name, parts, entry.getLinkName());
            } else if (entry.isSparse()) {
                throw new IOException("entry '" + name + "' is a sparse file, which artifacts do not use");
            } else if (entry.isDirectory()) {
                directory(name, parts, mode);
            } else if (flag == TarConstants.LF_NORMAL
                    || flag == TarConstants.LF_OLDNORM
                    || flag == TarConstants.LF_CONTIG) {
                file(name, parts, mode, entry);
            } else {
                throw new IOException("entry '" + name + "' has unsupported tar type '" + (char) flag + "'");
            }
            return true;
        }

        private void directory(String name, List<String> parts, int mode) throws IOException {
            if (parts.isEmpty()) {
                return; // "./": the root itself, which belongs to the caller
            }
            Path dir = parentOf(name, parts).resolve(parts.get(parts.size() - 1));
            BasicFileAttributes existing = lstat(dir);
            if (existing == null) {
                Files.createDirectory(dir);
            } else if (existing.isSymbolicLink()) {
                throw new UnsafeArtifactException(
                        name,
                        "directory entry would replace the symlink " + root.relativize(dir) + " -> "
                                + Files.readSymbolicLink(dir)
                                + " already in the target; extraction never follows symlinks");
            } else if (!existing.isDirectory()) {
                Files.delete(dir);
                Files.createDirectory(dir);
            }
            directoryModes.push(new DirectoryMode(dir, mode));
        }

        private void file(String name, List<String> parts, int mode, TarArchiveEntry entry) throws IOException {
            if (parts.isEmpty()) {
                throw new UnsafeArtifactException(name, "a file entry names the extraction root");
            }
            Path file = parentOf(name, parts).resolve(parts.get(parts.size() - 1));
            clearSlot(name, file);
            try (OutputStream out = Files.newOutputStream(
                    file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                for (int n = tar.read(buffer, 0, buffer.length); n >= 0; n = tar.read(buffer, 0, buffer.length)) {
                    out.write(buffer, 0, n);
                }
            }
            Files.setAttribute(file, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
            Files.setLastModifiedTime(file, entry.getLastModifiedTime());
            extractedFiles.add(String.join("/", parts));
        }

        private void symlink(String name, List<String> parts, String target) throws IOException {
            if (parts.isEmpty()) {
                throw new UnsafeArtifactException(name, "a symlink entry names the extraction root");
            }
            if (target.isEmpty() || target.indexOf('\0') >= 0) {
                throw new UnsafeArtifactException(name, "symlink with an empty or NUL-containing target");
            }
            if (!target.startsWith("/")) {
                int depth = parts.size() - 1;
                for (String component : target.split("/")) {
                    if (component.equals("..")) {
                        depth--;
                        if (depth < 0) {
                            throw new UnsafeArtifactException(
                                    name, "symlink target '" + target + "' resolves outside the extraction root");
                        }
                    } else if (!component.isEmpty() && !component.equals(".")) {
                        depth++;
                    }
                }
            }
            Path link = parentOf(name, parts).resolve(parts.get(parts.size() - 1));
            clearSlot(name, link);
            Files.createSymbolicLink(link, link.getFileSystem().getPath(target));
        }

        private void hardLink(String name, List<String> parts, String target) throws IOException {
            if (parts.isEmpty()) {
                throw new UnsafeArtifactException(name, "a hard link entry names the extraction root");
            }
            if (target.startsWith("/")) {
                throw new UnsafeArtifactException(name, "hard link to the absolute path '" + target + "'");
            }
            List<String> targetParts = relativeParts(target, name, "hard link target");
            String key = String.join("/", targetParts);
            if (targetParts.isEmpty() || !extractedFiles.contains(key)) {
                throw new UnsafeArtifactException(
                        name,
                        "hard link target '" + target + "' is not a regular file extracted earlier from this archive");
            }
            Path source = parentOf(name, targetParts).resolve(targetParts.get(targetParts.size() - 1));
            BasicFileAttributes sourceAttrs = lstat(source);
            if (sourceAttrs == null || !sourceAttrs.isRegularFile()) {
                throw new UnsafeArtifactException(
                        name, "hard link target '" + target + "' is no longer a regular file");
            }
            Path link = parentOf(name, parts).resolve(parts.get(parts.size() - 1));
            clearSlot(name, link);
            Files.createLink(link, source);
            extractedFiles.add(String.join("/", parts));
        }

        /**
         * The folder an entry goes into, created as needed. Each existing component is checked
         * with lstat: a symlink there is refused, because following it could lead anywhere.
         */
        private Path parentOf(String name, List<String> parts) throws IOException {
            Path dir = root;
            for (int i = 0; i < parts.size() - 1; i++) {
                dir = dir.resolve(parts.get(i));
                BasicFileAttributes attrs = lstat(dir);
                if (attrs == null) {
                    Files.createDirectory(dir);
                } else if (attrs.isSymbolicLink()) {
                    throw new UnsafeArtifactException(
                            name,
                            "its parent " + root.relativize(dir) + " is a symlink; extraction never follows symlinks");
                } else if (!attrs.isDirectory()) {
                    throw new IOException("cannot extract '" + name + "': " + root.relativize(dir)
                            + " exists in the target and is not a directory");
                }
            }
            return dir;
        }

        /** Removes what is at {@code path} (a file or link, never followed; an empty directory). */
        private void clearSlot(String name, Path path) throws IOException {
            BasicFileAttributes attrs = lstat(path);
            if (attrs == null) {
                return;
            }
            try {
                Files.delete(path);
            } catch (DirectoryNotEmptyException e) {
                throw new IOException(
                        "cannot extract '" + name + "': " + root.relativize(path)
                                + " is a non-empty directory in the target",
                        e);
            }
        }

        private static BasicFileAttributes lstat(Path path) throws IOException {
            try {
                return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return null;
            }
        }
    }

    /**
     * Splits a relative archive path into components, refusing absolute paths and empty, "." or
     * ".." components. One leading "./" and a trailing "/" are accepted.
     */
    static List<String> relativeParts(String path, String entryName, String what) throws UnsafeArtifactException {
        if (path.startsWith("/")) {
            throw new UnsafeArtifactException(entryName, what + " '" + path + "' is absolute");
        }
        if (path.indexOf('\0') >= 0) {
            throw new UnsafeArtifactException(entryName, what + " contains a NUL character");
        }
        String p = path.startsWith("./") ? path.substring(2) : path;
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        List<String> parts = new ArrayList<>();
        if (p.isEmpty() || p.equals(".")) {
            return parts;
        }
        for (String component : p.split("/", -1)) {
            if (component.equals("..")) {
                throw new UnsafeArtifactException(entryName, what + " '" + path + "' has a '..' component");
            }
            if (component.isEmpty() || component.equals(".")) {
                throw new UnsafeArtifactException(entryName, what + " '" + path + "' has an empty or '.' component");
            }
            parts.add(component);
        }
        return parts;
    }

    /** Lets the decompressor be closed (releasing its Inflater) without closing the caller's stream. */
    private static final class KeepOpen extends FilterInputStream {
        KeepOpen(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the caller owns the stream
        }
    }
}
