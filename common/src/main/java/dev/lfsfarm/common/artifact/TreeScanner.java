package dev.lfsfarm.common.artifact;

import dev.lfsfarm.proto.v1.EntryType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Lists every entry under a root without following symlinks, in the order artifacts use:
 * byte-wise (UTF-8) by relative path, so each directory precedes its content. Shared by the
 * packer and the verifier so both see a tree the same way.
 */
final class TreeScanner {

    /** Byte-wise order of UTF-8 paths, the order the Manifest message prescribes. */
    static final Comparator<String> PATH_ORDER =
            (a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;
    private static final Map<Integer, String> SPECIAL =
            Map.of(0010000, "fifo", 0020000, "character device", 0060000, "block device", 0140000, "socket");

    private TreeScanner() {}

    /** Every entry below {@code root} (the root itself excluded), sorted by {@link #PATH_ORDER}. */
    static List<TreeEntry> scan(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException(root + " is not a directory");
        }
        List<Path> found = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(root)) {
                    found.add(dir);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                found.add(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                throw e;
            }
        });
        List<TreeEntry> entries = new ArrayList<>(found.size());
        for (Path file : found) {
            entries.add(describe(root, file));
        }
        entries.sort(Comparator.comparing(TreeEntry::path, PATH_ORDER));
        return entries;
    }

    private static TreeEntry describe(Path root, Path file) throws IOException {
        String path = relativePath(root, file);
        int stMode = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int mode = stMode & 07777;
        switch (stMode & S_IFMT) {
            case S_IFREG:
                long size = Files.size(file);
                return new TreeEntry(path, file, EntryType.ENTRY_TYPE_FILE, mode, size, "", null);
            case S_IFDIR:
                return new TreeEntry(path, file, EntryType.ENTRY_TYPE_DIRECTORY, mode, 0, "", null);
            case S_IFLNK:
                String target = Files.readSymbolicLink(file).toString();
                return new TreeEntry(path, file, EntryType.ENTRY_TYPE_SYMLINK, mode, 0, target, null);
            default:
                String kind = SPECIAL.getOrDefault(stMode & S_IFMT, "special file");
                return new TreeEntry(path, file, EntryType.ENTRY_TYPE_UNSPECIFIED, mode, 0, "", kind);
        }
    }

    /**
     * '/'-joined relative path. File names that are not valid UTF-8 are refused: the JVM would
     * decode them lossily and the archive would name a different file.
     */
    private static String relativePath(Path root, Path file) throws IOException {
        Path relative = root.relativize(file);
        StringBuilder sb = new StringBuilder();
        for (Path name : relative) {
            String text = name.toString();
            if (!name.equals(name.getFileSystem().getPath(text))) {
                throw new IOException("file name is not valid UTF-8 (or not representable in this JVM's "
                        + "file name encoding, sun.jnu.encoding): " + file);
            }
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(text);
        }
        return sb.toString();
    }
}
