package dev.lfsfarm.worker.source;

import dev.lfsfarm.common.files.FileTrees;
import dev.lfsfarm.worker.execute.RunAs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks a recipe's first source into the workspace's {@code src/} and finds the folder the
 * phases run in.
 *
 * <p>Archives are unpacked with the system {@code tar -xf ARCHIVE -C src --no-same-owner}: GNU tar
 * recognises gzip, bzip2, xz, lzip, lzma and zstd by itself (given the decompressor), is what the LFS
 * book uses, strips leading '/' and refuses members with '..'. The build then runs in the archive's
 * single top folder when there is exactly one entry and it is a folder
 * ({@code libvorbis-1.3.7/}), else in {@code src/} itself.
 *
 * <p>A folder source (a {@code path:} folder of the book) is copied into {@code src/} keeping exec
 * bits and links, and the build runs in {@code src/}: the folder's own layout is the build's layout.
 * Any other file (a lone {@code .c} or script) is copied into {@code src/} too.
 */
public final class Unpacker {

    private static final Logger log = LoggerFactory.getLogger(Unpacker.class);
    private static final List<String> ARCHIVE_SUFFIXES = List.of(
            ".tar",
            ".tar.gz",
            ".tgz",
            ".tar.xz",
            ".txz",
            ".tar.bz2",
            ".tbz2",
            ".tbz",
            ".tar.zst",
            ".tzst",
            ".tar.lz",
            ".tar.lzma",
            ".tlz",
            ".tar.z");

    private Unpacker() {}

    /** Whether the file name is that of a tar archive (plain or compressed). */
    public static boolean isArchive(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return ARCHIVE_SUFFIXES.stream().anyMatch(name::endsWith);
    }

    /**
     * The source to unpack among the staged ones: the first archive or folder; when there is none,
     * the first source.
     */
    public static Optional<Path> firstUnpackable(List<Path> staged) {
        return staged.stream()
                .filter(p -> Files.isDirectory(p) || isArchive(p))
                .findFirst()
                .or(() -> staged.stream().findFirst());
    }

    /** As {@link #unpackFirst(Path, Path, Optional)}, unpacking as the worker's own user. */
    public static Path unpackFirst(Path archiveOrDir, Path srcDir) throws IOException, InterruptedException {
        return unpackFirst(archiveOrDir, srcDir, Optional.empty());
    }

    /**
     * Unpacks (or copies) the first source into {@code srcDir}.
     *
     * @param archiveOrDir an archive, a folder or a plain file
     * @param srcDir the workspace's {@code src/} folder (exists, empty)
     * @param user unpack an archive as this user (it must own {@code srcDir}); a hostile archive then
     *     cannot write anywhere the build user could not
     * @return the folder the phases run in
     * @throws IOException when tar fails (its message is included)
     */
    public static Path unpackFirst(Path archiveOrDir, Path srcDir, Optional<RunAs> user)
            throws IOException, InterruptedException {
        if (Files.isDirectory(archiveOrDir)) {
            FileTrees.copyContents(archiveOrDir, srcDir);
            return srcDir;
        }
        if (!isArchive(archiveOrDir)) {
            Files.copy(
                    archiveOrDir,
                    srcDir.resolve(archiveOrDir.getFileName().toString()),
                    StandardCopyOption.COPY_ATTRIBUTES);
            return srcDir;
        }
        List<String> cmd = new ArrayList<>();
        user.ifPresent(u -> cmd.addAll(u.commandPrefix()));
        cmd.addAll(List.of(
                "tar",
                "-xf",
                archiveOrDir.toAbsolutePath().toString(),
                "-C",
                srcDir.toAbsolutePath().toString(),
                "--no-same-owner"));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        pb.environment().put("LC_ALL", "C");
        long start = System.nanoTime();
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        int rc = p.waitFor();
        if (rc != 0) {
            String head = out.lines().limit(10).collect(Collectors.joining("\n"));
            throw new IOException("cannot unpack " + archiveOrDir.getFileName() + " (tar exit status " + rc + ")"
                    + (head.isEmpty() ? "" : ": " + head));
        }
        Path buildDir = buildDir(srcDir);
        log.debug(
                "unpacked {} in {} ms; build folder {}",
                archiveOrDir.getFileName(),
                (System.nanoTime() - start) / 1_000_000,
                buildDir);
        return buildDir;
    }

    /** The single top folder of {@code srcDir}, or {@code srcDir} itself. */
    static Path buildDir(Path srcDir) throws IOException {
        try (Stream<Path> entries = Files.list(srcDir)) {
            List<Path> all = entries.limit(2).collect(Collectors.toList());
            if (all.size() == 1 && Files.isDirectory(all.get(0), LinkOption.NOFOLLOW_LINKS)) {
                return all.get(0);
            }
        }
        return srcDir;
    }
}
