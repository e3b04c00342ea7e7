package dev.lfsfarm.worker.execute;

import dev.lfsfarm.common.concurrent.DaemonThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The cgroup of one running phase: its members, counters, kill switch and removal. */
final class PhaseCgroup {

    private static final Logger log = LoggerFactory.getLogger(PhaseCgroup.class);

    private static final ExecutorService REMOVER =
            Executors.newSingleThreadExecutor(DaemonThreadFactory.named("cgroup-remover"));

    /**
     * Removals queued and not yet over, so that a cgroup of the same name is not created under one.
     * Concurrent: the remover thread and every slot's runner use it.
     */
    private static final ConcurrentHashMap<Path, CompletableFuture<Void>> PENDING = new ConcurrentHashMap<>();

    private final Path dir;

    PhaseCgroup(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** The file a process writes its pid to in order to join. */
    Path procsFile() {
        return dir.resolve("cgroup.procs");
    }

    /** Pids of the member processes now (zombies are not listed). */
    List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(procsFile())) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.trim()));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // removed or unreadable: no members we can see
        }
        return pids;
    }

    /** User and system CPU seconds from cpu.stat ({@code user_usec}, {@code system_usec}). */
    double[] cpuSeconds() throws IOException {
        double user = 0;
        double system = 0;
        for (String line : Files.readAllLines(dir.resolve("cpu.stat"))) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2 && kv[0].equals("user_usec")) {
                user = Long.parseLong(kv[1]) / 1e6;
            } else if (kv.length == 2 && kv[0].equals("system_usec")) {
                system = Long.parseLong(kv[1]) / 1e6;
            }
        }
        return new double[] {user, system};
    }

    /** memory.peak in bytes, or -1 when the file is missing. */
    long memoryPeak() {
        try {
            return Long.parseLong(Files.readString(dir.resolve("memory.peak")).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** SIGKILL to every member at once through cgroup.kill (Linux 5.14+), else one by one. */
    void killAll() {
        Path kill = dir.resolve("cgroup.kill");
        if (Files.exists(kill)) {
            try {
                Files.writeString(kill, "1");
                return;
            } catch (IOException e) {
                log.debug("cannot write {}: {}", kill, e.toString());
            }
        }
        for (long pid : pids()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Removes the cgroup in the background, after its figures were read: the kernel can count an
     * exiting member for a moment after the phase ended, and waiting for it (and for cgroupfs's
     * lock) held the slot for a millisecond or more per phase.
     */
    void removeLater() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        PENDING.put(dir, done);
        REMOVER.execute(() -> {
            try {
                remove(2_000_000_000L);
            } finally {
                PENDING.remove(dir, done);
                done.complete(null);
            }
        });
    }

    /**
     * Waits until a removal of {@code dir} that {@link #removeLater()} queued is over, if there is
     * one, at most 5 s (the caller then removes a leftover itself).
     */
    static void awaitRemoval(Path dir) {
        CompletableFuture<Void> pending = PENDING.get(dir);
        if (pending == null) {
            return;
        }
        try {
            pending.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("the queued removal of {} is not over: {}", dir, e.toString());
        }
    }

    /**
     * Removes the (empty) cgroup, retrying while the kernel still counts exiting members.
     *
     * @return whether it is gone
     */
    boolean remove(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            try {
                Files.deleteIfExists(dir);
                return true;
            } catch (NoSuchFileException e) {
                return true;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    log.warn("cannot remove cgroup {}: {}", dir, e.toString());
                    return false;
                }
                LockSupport.parkNanos(10_000_000L);
            }
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
