package dev.lfsfarm.worker.execute;

import dev.lfsfarm.common.files.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The folder of one attempt (docs/architecture.md, Execution on a worker), always created fresh:
 *
 * <pre>
 * &lt;work dir&gt;/&lt;attempt id&gt;/
 *   src/       the unpacked first source; the phases run here (or in its single top folder)
 *   sources/   every fetched source and patch by file name ($FARM_SOURCES)
 *   sysroot/   the dependencies' artifacts, unpacked ($FARM_SYSROOT)
 *   dest/      empty; what the install phase puts here becomes the artifact ($DESTDIR)
 *   home/      $HOME of the phases: empty and private, never the worker's home
 *   tmp/       $TMPDIR of the phases
 *   log        the attempt's log (capped, see AttemptLog)
 *   .farm/     the worker's own bookkeeping (shell CPU times of the fallback measurement)
 * </pre>
 *
 * <p>Why fresh: a leftover from an earlier attempt (a stale config.cache, a half-installed DESTDIR)
 * would make builds irreproducible. Why a private HOME: tools write caches and read config there
 * ({@code ~/.gitconfig}, {@code ~/.cargo}, credentials), and neither should leak between the worker
 * and the builds. The workspace is deleted when the attempt ends, except after a failure when the
 * worker is configured to keep failed workspaces for debugging. ({@link WorkspacePool} recycles
 * the folders of finished attempts; a recycled workspace is emptied to exactly this state.)
 */
public final class Workspace {

    private static final Logger log = LoggerFactory.getLogger(Workspace.class);

    /** The root's mode, and every folder's but home/ and tmp/: readable by a build user (see RunAs). */
    static final Set<PosixFilePermission> OPEN = PosixFilePermissions.fromString("rwxr-xr-x");
    /** home/ and tmp/: the build's alone. */
    static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");
    /** The folders of a workspace and their modes; the log file is the only other entry. */
    static final Map<String, Set<PosixFilePermission>> FOLDERS = Map.of(
            "src", OPEN, "sources", OPEN, "sysroot", OPEN, "dest", OPEN, "home", PRIVATE, "tmp", PRIVATE, ".farm",
            OPEN);

    private final Path root;
    private final boolean keepOnFailure;

    Workspace(Path root, boolean keepOnFailure) {
        this.root = root;
        this.keepOnFailure = keepOnFailure;
    }

    /**
     * Creates the workspace of an attempt under {@code workDir}, deleting whatever an earlier run
     * left at the same place.
     *
     * @param workDir the worker's work folder (created if missing)
     * @param attemptId the attempt id; characters other than letters, digits, '.', '_' and '-' become
     *     '_' in the folder name (attempt ids contain '/')
     * @param keepOnFailure keep the folder when {@link #finish(boolean)} reports a failure
     */
    public static Workspace create(Path workDir, String attemptId, boolean keepOnFailure) throws IOException {
        Path root = workDir.toAbsolutePath().normalize().resolve(folderName(attemptId));
        FileTrees.deleteRecursively(root);
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, OPEN);
        Workspace ws = new Workspace(root, keepOnFailure);
        for (Map.Entry<String, Set<PosixFilePermission>> folder : FOLDERS.entrySet()) {
            Path dir = Files.createDirectory(root.resolve(folder.getKey()));
            Files.setPosixFilePermissions(dir, folder.getValue());
        }
        Files.createFile(ws.log());
        log.debug("workspace {} created", root);
        return ws;
    }

    /** The folder name used for an attempt id. */
    public static String folderName(String attemptId) {
        if (attemptId == null || attemptId.isBlank()) {
            throw new IllegalArgumentException("attempt id must not be empty");
        }
        String name = attemptId.replaceAll("[^A-Za-z0-9._-]", "_");
        return name.equals(".") || name.equals("..") ? name.replace('.', '_') : name;
    }

    public Path root() {
        return root;
    }

    /** Where the first source is unpacked. */
    public Path src() {
        return root.resolve("src");
    }

    /** {@code $FARM_SOURCES}. */
    public Path sources() {
        return root.resolve("sources");
    }

    /** {@code $FARM_SYSROOT}. */
    public Path sysroot() {
        return root.resolve("sysroot");
    }

    /** {@code $DESTDIR}. */
    public Path dest() {
        return root.resolve("dest");
    }

    /** {@code $HOME} of the phases. */
    public Path home() {
        return root.resolve("home");
    }

    /** {@code $TMPDIR} of the phases. */
    public Path tmp() {
        return root.resolve("tmp");
    }

    /** The attempt's log file. */
    public Path log() {
        return root.resolve("log");
    }

    /** The worker's own files; never handed to the build user. */
    Path internal() {
        return root.resolve(".farm");
    }

    public boolean keepOnFailure() {
        return keepOnFailure;
    }

    /**
     * Hands the folders a build writes ({@code src/}, {@code dest/}, {@code home/}, {@code tmp/}) to
     * the build user. {@code sources/} and {@code sysroot/} stay the worker's, readable but not
     * writable, so a build cannot alter its inputs; the log and {@code .farm/} stay the worker's too.
     * Call it after the sources are unpacked and the sysroot is staged.
     */
    public void handTo(RunAs user) throws IOException {
        for (Path dir : new Path[] {src(), dest(), home(), tmp()}) {
            user.own(dir);
        }
    }

    /** Deletes the whole workspace. */
    public void delete() throws IOException {
        FileTrees.deleteRecursively(root);
        log.debug("workspace {} deleted", root);
    }

    /**
     * Ends the workspace's life: deletes it, unless the attempt failed and failed workspaces are
     * kept. Never throws: a workspace that cannot be deleted is logged, not fatal to the result.
     *
     * @return whether the folder was kept
     */
    public boolean finish(boolean succeeded) {
        if (!succeeded && keepOnFailure) {
            log.info("attempt failed: workspace kept in {}", root);
            return true;
        }
        try {
            delete();
        } catch (IOException e) {
            log.warn("could not delete workspace {}: {}", root, e.toString());
        }
        return false;
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
