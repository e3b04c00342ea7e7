package dev.lfsfarm.worker.execute;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's use of the cgroup v2 hierarchy: one cgroup per phase, under a parent folder that
 * belongs to the worker.
 *
 * <p>Why cgroups: a cgroup is the only exact answer to "what did this phase's whole process tree
 * use". Its {@code cpu.stat} counts every process that ever ran in it, including daemons that
 * double-forked away from the phase's shell; {@code memory.peak} is the kernel's own high-water
 * mark (no sampling gaps); and {@code cgroup.kill} stops every member at once, so a fork loop cannot
 * outrun the kill.
 *
 * <p>Layout: {@code <mount><parent>/attempt-<attempt id>-<phase>/}. By default the parent is
 * {@code farm} below the worker's own cgroup (so it also works under systemd with
 * {@code Delegate=yes}); it can be configured to any path in the hierarchy. The worker enables the
 * {@code memory} controller in the parent's {@code cgroup.subtree_control} when the parent has it;
 * without it (a hybrid v1/v2 host where memory is bound to v1, or a container that did not delegate
 * it) CPU still comes from {@code cpu.stat}, which every v2 cgroup has, and the peak RSS is sampled
 * from /proc instead (see {@link MeasurementMethod}).
 *
 * <p>A phase joins its cgroup before it runs anything: the wrapper shell writes its own pid to
 * {@code cgroup.procs}, then starts the phase, so no child can be forked outside.
 */
public final class CgroupV2 {

    private static final Logger log = LoggerFactory.getLogger(CgroupV2.class);

    private final Path parent;
    private final boolean memory;

    private CgroupV2(Path parent, boolean memory) {
        this.parent = parent;
        this.memory = memory;
    }

    /**
     * Finds the cgroup v2 hierarchy, creates the parent and checks that a process can be moved into
     * a child of it.
     *
     * @param parentSetting the parent: null or empty = {@code farm} under the worker's own cgroup; a
     *     path starting with '/' = that path from the hierarchy's root; otherwise relative to the
     *     worker's own cgroup
     * @return empty when cgroup v2 is missing or not usable (not mounted, read-only, not delegated);
     *     the reason is logged
     */
    public static Optional<CgroupV2> detect(String parentSetting) {
        try {
            Optional<Path> mount = mountPoint();
            if (mount.isEmpty()) {
                log.info("cgroup v2 is not mounted: measuring phases from /proc");
                return Optional.empty();
            }
            Optional<String> own = ownCgroup();
            if (own.isEmpty()) {
                log.info("this process is in no cgroup v2 group: measuring phases from /proc");
                return Optional.empty();
            }
            String rel;
            if (parentSetting == null || parentSetting.isBlank()) {
                rel = own.get() + "/farm";
            } else if (parentSetting.startsWith("/")) {
                rel = parentSetting;
            } else {
                rel = own.get() + "/" + parentSetting;
            }
            Path parent = resolve(mount.get(), rel);
            if (!parent.startsWith(mount.get())) {
                log.warn("cgroup parent '{}' leaves the hierarchy: measuring phases from /proc", parentSetting);
                return Optional.empty();
            }
            Files.createDirectories(parent);
            enableMemory(parent);
            Optional<Boolean> memoryPeak = probe(parent);
            if (memoryPeak.isEmpty()) {
                return Optional.empty();
            }
            boolean memory = memoryPeak.get();
            CgroupV2 cgroups = new CgroupV2(parent, memory);
            log.info(
                    "measuring phases with cgroup v2 under {} (memory.peak: {})",
                    parent,
                    memory ? "yes" : "no, sampled");
            return Optional.of(cgroups);
        } catch (IOException | RuntimeException e) {
            log.info("cgroup v2 is not usable ({}): measuring phases from /proc", e.toString());
            return Optional.empty();
        }
    }

    /** The parent folder of the phase cgroups. */
    public Path parent() {
        return parent;
    }

    /** Whether phase cgroups report {@code memory.peak}. */
    public boolean hasMemoryPeak() {
        return memory;
    }

    /** Creates a fresh, empty cgroup for one phase (removing a leftover of a crashed worker first). */
    PhaseCgroup create(String name) throws IOException {
        Path dir = parent.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_"));
        PhaseCgroup.awaitRemoval(dir); // the same attempt and phase again (a test, or ids reused after a reset)
        if (Files.isDirectory(dir)) {
            PhaseCgroup old = new PhaseCgroup(dir);
            old.killAll();
            old.remove(TimeUnit.SECONDS.toNanos(2));
        }
        Files.createDirectory(dir);
        return new PhaseCgroup(dir);
    }

    /**
     * Creates a child, checks its files and moves a throw-away shell into it.
     *
     * @return empty if unusable, else whether the child has memory.peak (Linux 5.19+, memory
     *     controller enabled)
     */
    private static Optional<Boolean> probe(Path parent) throws IOException {
        PhaseCgroup probe = new CgroupV2(parent, false)
                .create("probe-" + ProcessHandle.current().pid());
        try {
            for (String file : List.of("cgroup.procs", "cpu.stat")) {
                if (!Files.exists(probe.dir().resolve(file))) {
                    log.info("cgroup v2 has no {}: measuring phases from /proc", file);
                    return Optional.empty();
                }
            }
            Process p = new ProcessBuilder(
                            "/bin/sh",
                            "-c",
                            "echo $$ > \"$1\"",
                            "sh",
                            probe.procsFile().toString())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                log.info("cannot move a process into {} ({}): measuring phases from /proc", probe.dir(), out);
                return Optional.empty();
            }
            return Optional.of(Files.exists(probe.dir().resolve("memory.peak")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            probe.remove(TimeUnit.SECONDS.toNanos(2));
        }
    }

    private static void enableMemory(Path parent) {
        if (!controllers(parent.resolve("cgroup.controllers")).contains("memory")) {
            // The parent gets what its own parent enables; that works when the grand-parent holds no
            // processes (e.g. the hierarchy's root), and fails harmlessly otherwise.
            tryWrite(parent.getParent().resolve("cgroup.subtree_control"), "+memory");
        }
        if (controllers(parent.resolve("cgroup.controllers")).contains("memory")
                && !controllers(parent.resolve("cgroup.subtree_control")).contains("memory")) {
            tryWrite(parent.resolve("cgroup.subtree_control"), "+memory");
        }
    }

    private static List<String> controllers(Path file) {
        try {
            return List.of(Files.readString(file).trim().split("\\s+"));
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void tryWrite(Path file, String value) {
        try {
            Files.writeString(file, value);
            log.debug("wrote '{}' to {}", value, file);
        } catch (IOException e) {
            log.debug("cannot write '{}' to {}: {}", value, file, e.toString());
        }
    }

    /** The cgroup2 mount point from /proc/self/mountinfo. */
    static Optional<Path> mountPoint() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            int sep = line.indexOf(" - ");
            if (sep < 0) {
                continue;
            }
            String[] after = line.substring(sep + 3).split(" ");
            if (after.length > 0 && after[0].equals("cgroup2")) {
                String[] before = line.substring(0, sep).split(" ");
                return Optional.of(Path.of(unescape(before[4])));
            }
        }
        return Optional.empty();
    }

    /** This process's cgroup v2 path ("0::/path" in /proc/self/cgroup). */
    static Optional<String> ownCgroup() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"), StandardCharsets.UTF_8)) {
            if (line.startsWith("0::")) {
                String path = line.substring(3).trim();
                // "(deleted)" or paths outside our namespace ("/../..") cannot be used.
                if (path.contains("..") || path.endsWith("(deleted)")) {
                    return Optional.empty();
                }
                return Optional.of(path.equals("/") ? "" : path);
            }
        }
        return Optional.empty();
    }

    private static Path resolve(Path mount, String rel) {
        String trimmed = rel.replaceAll("^/+", "");
        return trimmed.isEmpty() ? mount : mount.resolve(trimmed).normalize();
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "cgroup v2 " + parent + (memory ? " (memory.peak)" : " (cpu.stat only)");
    }
}
