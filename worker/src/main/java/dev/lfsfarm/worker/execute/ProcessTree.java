package dev.lfsfarm.worker.execute;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processes of one running phase, found through its cgroup when it has one, else through
 * /proc (its session and parent links), and the means to stop all of them.
 */
final class ProcessTree {

    private static final Logger log = LoggerFactory.getLogger(ProcessTree.class);
    private static final long POLL_NANOS = 20_000_000L;
    /** After SIGKILL, how long to wait for the kernel to finish the processes. */
    private static final long KILL_WAIT_NANOS = 2_500_000_000L;

    private final ProcessHandle root;
    private final long rootPid;
    private final boolean ownSession;
    private final PhaseCgroup cgroup;

    /**
     * @param root the wrapper shell the worker started (its handle knows when it was reaped, so a
     *     reused pid is never mistaken for it)
     * @param ownSession whether the root was started with setsid (its pid is then its session id)
     * @param cgroup the phase's cgroup, or null
     */
    ProcessTree(ProcessHandle root, boolean ownSession, PhaseCgroup cgroup) {
        this.root = root;
        this.rootPid = root.pid();
        this.ownSession = ownSession;
        this.cgroup = cgroup;
    }

    Optional<PhaseCgroup> cgroup() {
        return Optional.ofNullable(cgroup);
    }

    /**
     * Live members now. With a cgroup, the root counts too even before it joined the cgroup (a
     * cancel that comes right after the start must still find it).
     */
    List<Long> pids() {
        if (cgroup != null) {
            List<Long> pids = cgroup.pids();
            if (!pids.contains(rootPid) && root.isAlive() && ProcFs.alive(rootPid)) {
                pids.add(rootPid);
            }
            return pids;
        }
        List<Long> pids = new ArrayList<>();
        for (ProcFs.Stat s : ProcFs.tree(rootPid, root.isAlive(), ownSession ? rootPid : -1)) {
            pids.add(s.pid());
        }
        return pids;
    }

    /** Live members with their /proc figures. */
    List<ProcFs.Stat> stats() {
        if (cgroup == null) {
            return ProcFs.tree(rootPid, root.isAlive(), ownSession ? rootPid : -1);
        }
        List<ProcFs.Stat> stats = new ArrayList<>();
        for (long pid : pids()) {
            ProcFs.stat(pid).filter(ProcFs.Stat::alive).ifPresent(stats::add);
        }
        return stats;
    }

    /**
     * Stops every member: SIGTERM, then SIGKILL to whatever is left after {@code graceNanos} (through
     * cgroup.kill when there is a cgroup, which no fork can escape), then waits for the kernel to
     * finish them.
     *
     * @return the number of members found at the start; 0 when the tree was already empty
     */
    int terminate(long graceNanos) {
        List<Long> first = pids();
        if (first.isEmpty()) {
            return 0;
        }
        for (long pid : first) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        }
        if (awaitEmpty(graceNanos)) {
            return first.size();
        }
        long deadline = System.nanoTime() + KILL_WAIT_NANOS;
        do {
            if (cgroup != null) {
                cgroup.killAll();
            }
            for (long pid : pids()) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            if (awaitEmpty(Math.min(200_000_000L, Math.max(0, deadline - System.nanoTime())))) {
                return first.size();
            }
        } while (System.nanoTime() < deadline);
        log.warn("processes {} of phase tree {} survived SIGKILL", pids(), rootPid);
        return first.size();
    }

    /** Waits until the tree is empty, at most {@code nanos}. */
    boolean awaitEmpty(long nanos) {
        long deadline = System.nanoTime() + nanos;
        while (true) {
            if (pids().isEmpty()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(Math.min(POLL_NANOS, Math.max(1, deadline - System.nanoTime())));
        }
    }

    @Override
    public String toString() {
        return cgroup != null ? "cgroup " + cgroup : "process tree of " + rootPid;
    }
}
