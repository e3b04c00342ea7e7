package dev.lfsfarm.worker.execute;

import dev.lfsfarm.common.files.FileTrees;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workspaces of finished attempts, emptied and kept for the next ones, the way Bazel reuses its
 * sandbox folders: creating and deleting eight folders per attempt was a third of a short
 * attempt's CPU on ext4 (inode allocation after deletes is slow). A recycled workspace is
 * indistinguishable from a fresh one to the build: every folder is empty, a real folder, the
 * worker's and of its standard mode, and the log is empty. Whatever cannot be brought back to that
 * state is deleted instead, as before. Only with cgroups (see the constructor).
 */
public final class WorkspacePool {

    private static final Logger log = LoggerFactory.getLogger(WorkspacePool.class);
    private final Path attempts;
    private final Path recycled;
    private final int capacity;
    private final boolean keepFailed;
    private final boolean recycling;
    /**
     * Concurrent: the build threads of all slots acquire and release. Two releases at once may
     * both pass the size check, so the pool can hold a few more than {@link #capacity} for a while.
     */
    private final ConcurrentLinkedDeque<Path> free = new ConcurrentLinkedDeque<>();
    /** Atomic: names the recycled folders of all slots. */
    private final AtomicLong names = new AtomicLong();

    /**
     * @param attempts where attempt workspaces live
     * @param recycled where emptied workspaces wait (same file system; emptied at start)
     * @param capacity how many wait at most (more are deleted)
     * @param keepFailed keep the workspace of a failed attempt where it is, for debugging
     * @param recycling whether to recycle at all: only when phases run in cgroups, where no process
     *     of a finished phase can survive it; without, a process that escaped the tree could still
     *     hold a folder that would become the next attempt's, so workspaces are deleted as before
     */
    public WorkspacePool(Path attempts, Path recycled, int capacity, boolean keepFailed, boolean recycling) {
        this.attempts = attempts;
        this.recycled = recycled.toAbsolutePath().normalize();
        this.capacity = capacity;
        this.keepFailed = keepFailed;
        this.recycling = recycling;
        try {
            FileTrees.deleteRecursively(this.recycled); // a previous run's: their state is unknown
        } catch (IOException e) {
            log.warn("cannot delete the recycled workspaces of an earlier run in {}: {}", this.recycled, e.toString());
        }
    }

    /** A workspace for the attempt: a recycled one moved into place, or a fresh one. */
    public Workspace acquire(String attemptId) throws IOException {
        Path reused = free.pollFirst();
        if (reused == null) {
            return Workspace.create(attempts, attemptId, keepFailed);
        }
        Path root = attempts.toAbsolutePath().normalize().resolve(Workspace.folderName(attemptId));
        try {
            FileTrees.deleteRecursively(root);
            Files.createDirectories(root.getParent());
            Files.move(reused, root, StandardCopyOption.ATOMIC_MOVE);
            return new Workspace(root, keepFailed);
        } catch (IOException e) {
            log.debug("cannot reuse {} ({}); creating a fresh workspace", reused, e.toString());
            try {
                FileTrees.deleteRecursively(reused);
            } catch (IOException gone) {
                log.warn("cannot delete the recycled workspace {}: {}", reused, gone.toString());
            }
            return Workspace.create(attempts, attemptId, keepFailed);
        }
    }

    /**
     * Ends an attempt's workspace: kept after a failure when so configured, else emptied into the
     * pool, or deleted when the pool is full or the workspace cannot be restored. Never throws.
     *
     * @return whether the folder was kept
     */
    public boolean release(Workspace ws, boolean succeeded) {
        if (!recycling || (!succeeded && keepFailed) || free.size() >= capacity) {
            return ws.finish(succeeded);
        }
        try {
            empty(ws);
            Files.createDirectories(recycled);
            Path slot = recycled.resolve(Long.toString(names.incrementAndGet()));
            Files.move(ws.root(), slot, StandardCopyOption.ATOMIC_MOVE);
            free.addLast(slot);
            return false;
        } catch (IOException | RuntimeException e) {
            log.debug("workspace {} cannot be recycled ({}); deleting it", ws.root(), e.toString());
            return ws.finish(true);
        }
    }

    /** Workspaces waiting now. */
    public int size() {
        return free.size();
    }

    /** Brings the workspace back to what {@link Workspace#create} makes, or throws. */
    private static void empty(Workspace ws) throws IOException {
        PosixFileAttributes root =
                Files.readAttributes(ws.root(), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!root.isDirectory() || !root.permissions().equals(Workspace.OPEN)) {
            throw new IOException(ws.root() + " is not the folder the worker made");
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(ws.root())) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!Workspace.FOLDERS.containsKey(name) && !name.equals("log")) {
                    FileTrees.deleteRecursively(entry);
                }
            }
        }
        for (Map.Entry<String, Set<PosixFilePermission>> folder : Workspace.FOLDERS.entrySet()) {
            Path dir = ws.root().resolve(folder.getKey());
            restore(dir, root, folder.getValue());
            FileTrees.deleteContents(dir);
        }
        PosixFileAttributes logFile =
                Files.readAttributes(ws.log(), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!logFile.isRegularFile() || !logFile.owner().equals(root.owner())) {
            throw new IOException(ws.log() + " is not the file the worker made");
        }
        FileChannel.open(
                        ws.log(),
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        LinkOption.NOFOLLOW_LINKS)
                .close();
    }

    /**
     * Gives a folder back to the worker with its standard mode, first, so that no build user can
     * add to it once it is emptied (a build user owns src/, dest/, home/ and tmp/ while it builds).
     */
    private static void restore(Path dir, PosixFileAttributes root, Set<PosixFilePermission> mode) throws IOException {
        PosixFileAttributes attrs = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isDirectory()) {
            throw new IOException(dir + " is no longer a folder");
        }
        PosixFileAttributeView view =
                Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (!attrs.owner().equals(root.owner())) {
            view.setOwner(root.owner());
        }
        if (!attrs.group().equals(root.group())) {
            view.setGroup(root.group());
        }
        if (!attrs.permissions().equals(mode)) {
            view.setPermissions(mode);
        }
    }
}
