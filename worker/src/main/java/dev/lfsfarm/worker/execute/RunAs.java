package dev.lfsfarm.worker.execute;

import dev.lfsfarm.common.files.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The unprivileged user phases run as when the worker runs as root (docs/architecture.md, Execution
 * on a worker).
 *
 * <p>Why: a recipe is arbitrary shell code from whoever submitted the book. As root, a typo such
 * as {@code rm -rf $DESTDIR/usr} with an empty variable, or a {@code make install} that ignores
 * DESTDIR, would damage the worker host. As a plain user the same mistake fails with "permission
 * denied" and the attempt's log says so.
 *
 * <p>Phases switch user with {@code setpriv --reuid --regid --init-groups} (util-linux). Unlike
 * {@code su}/{@code runuser} it goes through no PAM stack and leaves the environment alone, so the
 * phase environment stays exactly the contract (no USER, LOGNAME or MAIL appear).
 *
 * @param name user name
 * @param uid numeric user id
 * @param gid numeric primary group id
 */
public record RunAs(String name, int uid, int gid) {

    /** The user taken by default when the worker runs as root and it exists. */
    public static final String DEFAULT_USER = "farm-build";

    private static final Logger log = LoggerFactory.getLogger(RunAs.class);
    /** Atomic: the warning about building as root is logged once, whichever slot comes first. */
    private static final AtomicBoolean warnedRoot = new AtomicBoolean();

    /** The command prefix that runs what follows as this user. */
    public List<String> commandPrefix() {
        return List.of(
                ExecutionSettings.systemTool("setpriv").map(Path::toString).orElse("setpriv"),
                "--reuid=" + uid,
                "--regid=" + gid,
                "--init-groups");
    }

    /**
     * Looks a user up by name (through NSS, with {@code id}, so LDAP or sssd users work too).
     *
     * @return empty when there is no such user
     */
    public static Optional<RunAs> lookup(String name) throws IOException {
        Optional<String> uid = idOutput("-u", name);
        Optional<String> gid = idOutput("-g", name);
        if (uid.isEmpty() || gid.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RunAs(name, Integer.parseInt(uid.get()), Integer.parseInt(gid.get())));
    }

    /**
     * The default policy: when the worker is not root, phases run as the worker's own user (empty).
     * When it is root, they run as {@link #DEFAULT_USER} if that user exists; otherwise as root, with
     * a warning logged once per process.
     */
    public static Optional<RunAs> defaultPolicy() throws IOException {
        if (!workerIsRoot()) {
            return Optional.empty();
        }
        Optional<RunAs> user = lookup(DEFAULT_USER);
        if (user.isEmpty() && warnedRoot.compareAndSet(false, true)) {
            log.warn(
                    "the worker runs as root and there is no user '{}': phases will run as root. "
                            + "Create it (useradd --system --user-group --shell /usr/sbin/nologin {}) or configure "
                            + "another build user.",
                    DEFAULT_USER,
                    DEFAULT_USER);
        }
        return user;
    }

    /** Whether this process runs with real uid 0, read from /proc/self/status. */
    public static boolean workerIsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).trim().split("\\s+")[0].equals("0");
                }
            }
        } catch (IOException e) {
            // not Linux, fall through
        }
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * Gives a folder tree to this user (lchown, links are never followed), so the phases can write
     * there.
     */
    public void own(Path root) throws IOException {
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName(Integer.toString(uid));
        GroupPrincipal group = lookup.lookupPrincipalByGroupName(Integer.toString(gid));
        FileTrees.chownRecursively(root, user, group);
    }

    /**
     * Whether this user can enter and write {@code dir}: every parent folder must be searchable by
     * it, which a worker's work dir under a private home or a 0700 temp folder is not.
     */
    public boolean canWrite(Path dir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(
                concat(commandPrefix(), List.of("test", "-w", dir.toString(), "-a", "-x", dir.toString())));
        pb.environment().clear();
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        return waitFor(pb.start()) == 0;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static Optional<String> idOutput(String flag, String name) throws IOException {
        Process p = new ProcessBuilder("id", flag, "--", name)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (waitFor(p) != 0 || !out.matches("\\d+")) {
            return Optional.empty();
        }
        return Optional.of(out);
    }

    private static int waitFor(Process p) throws IOException {
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("'" + p.info().commandLine().orElse("?") + "' did not finish in 30 s");
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
