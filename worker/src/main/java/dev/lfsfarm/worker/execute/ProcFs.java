package dev.lfsfarm.worker.execute;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads processes from {@code /proc}: the process tree of a phase when no cgroup holds it, and
 * the per-process figures the fallback measurement adds up.
 */
final class ProcFs {

    private static final Path PROC = Path.of("/proc");
    private static final long CLOCK_TICKS = getconf("CLK_TCK", 100);
    private static final long PAGE_SIZE = getconf("PAGESIZE", 4096);

    private ProcFs() {}

    /**
     * One line of {@code /proc/<pid>/stat}.
     *
     * @param utimeTicks user CPU of the process itself, clock ticks
     * @param cutimeTicks user CPU of its waited-for children (recursively), clock ticks
     * @param rssPages resident set, pages
     */
    record Stat(
            long pid,
            char state,
            long ppid,
            long session,
            long utimeTicks,
            long stimeTicks,
            long cutimeTicks,
            long cstimeTicks,
            long rssPages) {

        /** Zombies and dead processes hold no resources and will not run again. */
        boolean alive() {
            return state != 'Z' && state != 'X' && state != 'x';
        }

        long rssBytes() {
            return rssPages * PAGE_SIZE;
        }

        double userSeconds() {
            return (double) (utimeTicks + cutimeTicks) / CLOCK_TICKS;
        }

        double systemSeconds() {
            return (double) (stimeTicks + cstimeTicks) / CLOCK_TICKS;
        }
    }

    static Optional<Stat> stat(long pid) {
        try {
            return Optional.ofNullable(parse(
                    pid,
                    Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.ISO_8859_1)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Parses a stat line; the command name may contain spaces and ')' so we split after the last ')'. */
    static Stat parse(long pid, String line) {
        int close = line.lastIndexOf(')');
        if (close < 0 || close + 2 > line.length()) {
            return null;
        }
        String[] f = line.substring(close + 2).trim().split(" ");
        // f[0] is field 3 of proc(5): state; field N is f[N - 3].
        return new Stat(
                pid,
                f[0].charAt(0),
                Long.parseLong(f[1]),
                Long.parseLong(f[3]),
                Long.parseLong(f[11]),
                Long.parseLong(f[12]),
                Long.parseLong(f[13]),
                Long.parseLong(f[14]),
                Long.parseLong(f[21]));
    }

    /** Every process visible now. */
    static List<Stat> all() {
        List<Stat> result = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                    try {
                        stat(Long.parseLong(name)).ifPresent(result::add);
                    } catch (NumberFormatException e) {
                        // not a process folder
                    }
                }
            }
        } catch (IOException e) {
            return result;
        }
        return result;
    }

    /**
     * The live processes of the tree rooted at {@code rootPid}: the root, every process of session
     * {@code sessionId} (which catches background jobs that were re-parented to init when their
     * parent exited), and every descendant of those by parent pid (which catches processes that
     * started a session of their own). Use {@code sessionId <= 0} to follow parent pids only.
     */
    static List<Stat> tree(long rootPid, long sessionId) {
        return tree(rootPid, true, sessionId);
    }

    /** As {@link #tree(long, long)}; with {@code includeRoot} false the root pid is not a seed (it
     * was reaped, so its pid may belong to an unrelated process by now). */
    static List<Stat> tree(long rootPid, boolean includeRoot, long sessionId) {
        List<Stat> procs = all();
        Map<Long, List<Stat>> children = new HashMap<>();
        Deque<Stat> todo = new ArrayDeque<>();
        for (Stat s : procs) {
            children.computeIfAbsent(s.ppid(), k -> new ArrayList<>()).add(s);
            if ((includeRoot && s.pid() == rootPid) || (sessionId > 0 && s.session() == sessionId)) {
                todo.add(s);
            }
        }
        Set<Long> seen = new HashSet<>();
        List<Stat> result = new ArrayList<>();
        while (!todo.isEmpty()) {
            Stat s = todo.poll();
            if (!seen.add(s.pid())) {
                continue;
            }
            if (s.alive()) {
                result.add(s);
            }
            todo.addAll(children.getOrDefault(s.pid(), List.of()));
        }
        return result;
    }

    /** Whether a process exists and is not a zombie. */
    static boolean alive(long pid) {
        return stat(pid).map(Stat::alive).orElse(false);
    }

    private static long getconf(String name, long fallback) {
        try {
            Process p = new ProcessBuilder("getconf", name)
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor();
            long value = Long.parseLong(out);
            return value > 0 ? value : fallback;
        } catch (IOException | NumberFormatException e) {
            return fallback;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback;
        }
    }
}
