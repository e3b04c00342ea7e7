package dev.lfsfarm.common.artifact;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Sample DESTDIR trees and tree snapshots for the artifact tests. */
final class ArtifactTrees {

    static final String LONG_DIR = "usr/share/doc/" + "a-rather-long-directory-name-".repeat(3);
    static final String LONG_FILE = LONG_DIR + "/" + "and-an-even-longer-file-name-".repeat(4) + ".txt";
    static final String UNICODE_FILE = "usr/share/locale/fr/Übersetzung-ñ-Тест-日本.txt";
    static final String LONG_LINK_TARGET = "../../../" + LONG_FILE;

    private ArtifactTrees() {}

    /**
     * A tree with every kind of entry an artifact holds. Created in the order given by {@code
     * reverse} and with mtimes depending on {@code mtimeSeed}, so determinism tests can show that
     * neither creation order nor mtimes reach the archive.
     */
    static Path sample(Path root, boolean reverse, long mtimeSeed) throws IOException {
        Files.createDirectories(root);
        List<Runnable> steps = new java.util.ArrayList<>(List.of(
                io(() -> file(root, "usr/bin/tool", "#!/bin/sh\necho tool\n", 0755)),
                io(() -> file(root, "usr/bin/suid-helper", "suid\n", 04755)),
                io(() -> file(root, "usr/lib/libfoo.so.1.2.3", "\u007fELF not really\n".repeat(1000), 0644)),
                io(() -> symlink(root, "usr/lib/libfoo.so.1", "libfoo.so.1.2.3")),
                io(() -> symlink(root, "usr/lib/libabs.so", "/usr/lib/libfoo.so.1")),
                io(() -> symlink(root, "usr/share/doc/long-link", LONG_LINK_TARGET)),
                io(() -> mkdir(root, "usr/share/empty", 0700)),
                io(() -> mkdir(root, "var/lib/sticky", 01777)),
                io(() -> file(root, LONG_FILE, "long path content\n", 0644)),
                io(() -> file(root, UNICODE_FILE, "ünïcödé\n", 0600)),
                io(() -> file(root, "usr/share/zero-length", "", 0644)),
                io(() -> {
                    file(root, "usr/share/ro/inside", "read-only folder content\n", 0444);
                    mkdir(root, "usr/share/ro", 0555);
                })));
        if (reverse) {
            java.util.Collections.reverse(steps);
        }
        steps.forEach(Runnable::run);
        long t = 1_600_000_000L + mtimeSeed;
        for (String p : List.of("usr/bin/tool", "usr/lib/libfoo.so.1.2.3", LONG_FILE)) {
            Files.setLastModifiedTime(root.resolve(p), FileTime.fromMillis(t * 1000));
        }
        return root;
    }

    static void file(Path root, String path, String content, int mode) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.write(file, content.getBytes(StandardCharsets.UTF_8));
        Files.setAttribute(file, "unix:mode", mode);
    }

    static void mkdir(Path root, String path, int mode) throws IOException {
        Path dir = root.resolve(path);
        Files.createDirectories(dir);
        Files.setAttribute(dir, "unix:mode", mode);
    }

    static void symlink(Path root, String path, String target) throws IOException {
        Path link = root.resolve(path);
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, link.getFileSystem().getPath(target));
    }

    /**
     * Everything under {@code root} except {@code exclude} (and its content): path -> type, mode,
     * size, link target and content hash. Equal snapshots mean equal trees, byte for byte.
     */
    static Map<String, String> snapshot(Path root, Path exclude) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (TreeEntry e : TreeScanner.scan(root)) {
            if (exclude != null && e.file().startsWith(exclude)) {
                continue;
            }
            String sha = e.type() == dev.lfsfarm.proto.v1.EntryType.ENTRY_TYPE_FILE ? Sha256.of(e.file()) : "";
            out.put(
                    e.path(),
                    e.type() + " " + Integer.toOctalString(e.mode()) + " " + e.size() + " " + e.linkTarget() + " "
                            + sha);
        }
        return out;
    }

    static byte[] pack(Path root) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ArtifactPacker.pack(root, out);
        return out.toByteArray();
    }

    interface IoStep {
        void run() throws IOException;
    }

    static Runnable io(IoStep step) {
        return () -> {
            try {
                step.run();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }
}
