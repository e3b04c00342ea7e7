package dev.lfsfarm.common.files;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * File-tree helpers that never follow symbolic links. Builds leave odd trees behind (read-only
 * folders, links pointing anywhere, including {@code /}); following a link while deleting or
 * chowning a workspace would touch files outside it.
 */
public final class FileTrees {

    private FileTrees() {}

    /**
     * Bytes of the regular files under {@code root} (symbolic links not followed; a missing root,
     * or a file removed while walking, counts 0). What a build tree takes on disk, as `du` would
     * say give or take block rounding.
     */
    public static long sizeOf(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        long[] total = {0};
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    total[0] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }

    /** Deletes everything inside the folder {@code dir}, not the folder itself. */
    public static void deleteContents(Path dir) throws IOException {
        List<Path> children;
        try (Stream<Path> list = Files.list(dir)) {
            children = list.toList();
        }
        for (Path child : children) {
            deleteRecursively(child);
        }
    }

    /**
     * Deletes {@code root} and everything below it; a missing root is fine. Folders a build made
     * read-only are made writable first, so a worker that is not root can still clean up.
     */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                makeOwnerWritable(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                deleteOne(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) {
                    throw exc;
                }
                deleteOne(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteOne(Path p) throws IOException {
        try {
            Files.deleteIfExists(p);
        } catch (AccessDeniedException e) {
            Path parent = p.getParent();
            if (parent == null) {
                throw e;
            }
            makeOwnerWritable(parent);
            Files.deleteIfExists(p);
        }
    }

    private static void makeOwnerWritable(Path dir) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
            if (!perms.contains(PosixFilePermission.OWNER_WRITE)
                    || !perms.contains(PosixFilePermission.OWNER_EXECUTE)) {
                Set<PosixFilePermission> fixed = EnumSet.copyOf(perms);
                fixed.add(PosixFilePermission.OWNER_WRITE);
                fixed.add(PosixFilePermission.OWNER_EXECUTE);
                fixed.add(PosixFilePermission.OWNER_READ);
                Files.setPosixFilePermissions(dir, fixed);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // best effort: the delete that follows reports the real problem
        }
    }

    /**
     * Copies the contents of folder {@code from} into folder {@code to} (created if missing),
     * keeping permissions (exec bits) and times, and copying symbolic links as links.
     */
    public static void copyContents(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(dir).toString());
                if (!dir.equals(from)) {
                    Files.copy(dir, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(
                        file,
                        to.resolve(from.relativize(file).toString()),
                        StandardCopyOption.COPY_ATTRIBUTES,
                        LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                if (!dir.equals(from)) {
                    // Copying the folder first and its files later changed its mtime; restore it.
                    Path target = to.resolve(from.relativize(dir).toString());
                    Files.setLastModifiedTime(target, Files.getLastModifiedTime(dir));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Gives {@code root} and everything below it to a user and group, changing links themselves
     * (lchown), never their targets.
     */
    public static void chownRecursively(Path root, UserPrincipal user, GroupPrincipal group) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                PosixFileAttributeView view =
                        Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                view.setOwner(user);
                view.setGroup(group);
            }
        }
    }
}
