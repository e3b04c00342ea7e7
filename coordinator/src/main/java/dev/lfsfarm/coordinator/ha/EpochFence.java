package dev.lfsfarm.coordinator.ha;

import dev.lfsfarm.common.zk.ZkPaths;
import dev.lfsfarm.coordinator.state.FencedException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's claim on {@code /farm/leader/epoch} (as Kafka's controller epoch): a new leader
 * bumps the epoch with a versioned write, and from then on every registry write is one ZooKeeper
 * transaction that first checks the epoch node still has the version this leader left it at. A
 * newer leader's bump changes the version, so a deposed leader's writes fail as a whole and it
 * learns that it is deposed from the failure itself, however stale its view of the world.
 *
 * <p>Once a commit fails the fence stays broken: nothing is written under this epoch again.
 */
public final class EpochFence {
    private static final Logger log = LoggerFactory.getLogger(EpochFence.class);

    private final CuratorFramework client;
    private final long epoch;
    private final int version;
    private final AtomicBoolean broken = new AtomicBoolean();
    private final List<Runnable> onBroken = new CopyOnWriteArrayList<>();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong operations = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    private EpochFence(CuratorFramework client, long epoch, int version) {
        this.client = client;
        this.epoch = epoch;
        this.version = version;
    }

    /**
     * Bumps the epoch and returns the fence for the new term. Call only while holding leadership;
     * a concurrent bump (a leader that has not noticed it is deposed cannot bump: it only ever
     * checks) makes this retry with the newer value.
     */
    public static EpochFence claim(CuratorFramework client) throws Exception {
        String path = ZkPaths.epoch();
        while (true) {
            Stat stat = new Stat();
            byte[] data;
            try {
                data = client.getData().storingStatIn(stat).forPath(path);
            } catch (KeeperException.NoNodeException e) {
                try {
                    client.create().creatingParentsIfNeeded().forPath(path, bytes(0));
                } catch (KeeperException.NodeExistsException raced) {
                    // another candidate created it first; read it again
                }
                continue;
            }
            long next = parse(data) + 1;
            try {
                Stat written = client.setData().withVersion(stat.getVersion()).forPath(path, bytes(next));
                log.info("claimed leader epoch {} (epoch node version {})", next, written.getVersion());
                return new EpochFence(client, next, written.getVersion());
            } catch (KeeperException.BadVersionException e) {
                log.warn("epoch node changed while claiming it; reading it again");
            }
        }
    }

    public long epoch() {
        return epoch;
    }

    public int version() {
        return version;
    }

    public CuratorFramework client() {
        return client;
    }

    public boolean isBroken() {
        return broken.get();
    }

    /** Runs {@code action} (once) when a commit fails or {@link #breakFence} is called. */
    public void onBroken(Runnable action) {
        onBroken.add(action);
        if (broken.get()) {
            action.run();
        }
    }

    /**
     * Commits {@code ops} atomically, guarded by the epoch check. Throws {@link FencedException}
     * when the check fails, the session is gone, or ZooKeeper cannot be reached within the retry
     * policy: in each case this leader may already be replaced, so it must stop.
     */
    public void commit(List<CuratorOp> ops, long payloadBytes) {
        if (broken.get()) {
            throw new FencedException("epoch " + epoch + " is fenced off; nothing more is written under it", null);
        }
        List<CuratorOp> guarded = new ArrayList<>(ops.size() + 1);
        try {
            guarded.add(client.transactionOp().check().withVersion(version).forPath(ZkPaths.epoch()));
            guarded.addAll(ops);
            client.transaction().forOperations(guarded);
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            throw fail("the epoch node moved on: a newer leader exists", e);
        } catch (KeeperException.SessionExpiredException e) {
            throw fail("the ZooKeeper session expired", e);
        } catch (KeeperException.ConnectionLossException | KeeperException.OperationTimeoutException e) {
            throw fail("ZooKeeper unreachable while writing", e);
        } catch (Exception e) {
            throw fail("registry write failed: " + e, e);
        }
        transactions.incrementAndGet();
        operations.addAndGet(ops.size());
        bytes.addAndGet(payloadBytes);
    }

    /** Breaks the fence without a failed write (the session was lost): no write is attempted after. */
    public void breakFence(String why) {
        if (broken.compareAndSet(false, true)) {
            log.warn("leader epoch {} fenced off: {}", epoch, why);
            onBroken.forEach(Runnable::run);
        }
    }

    /** The term ended normally (hand-over, shutdown): same effect as {@link #breakFence}, quietly. */
    public void release() {
        if (broken.compareAndSet(false, true)) {
            log.debug("leader epoch {} released", epoch);
            onBroken.forEach(Runnable::run);
        }
    }

    /** True when the epoch node still has this fence's version (a live check, for RECONNECTED). */
    public boolean stillHeld() {
        try {
            Stat stat = client.checkExists().forPath(ZkPaths.epoch());
            return stat != null && stat.getVersion() == version && !broken.get();
        } catch (Exception e) {
            return false;
        }
    }

    private FencedException fail(String why, Exception cause) {
        breakFence(why);
        return new FencedException("registry write refused under epoch " + epoch + ": " + why, cause);
    }

    /** Registry writes so far: transactions, operations in them (without the checks), payload bytes. */
    public record WriteCounts(long transactions, long operations, long bytes) {}

    public WriteCounts counts() {
        return new WriteCounts(transactions.get(), operations.get(), bytes.get());
    }

    private static long parse(byte[] data) {
        try {
            return data == null || data.length == 0
                    ? 0
                    : Long.parseLong(new String(data, StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(
                    ZkPaths.epoch() + " holds '" + new String(data, StandardCharsets.UTF_8)
                            + "', not an epoch number; fix or delete it",
                    e);
        }
    }

    private static byte[] bytes(long epoch) {
        return Long.toString(epoch).getBytes(StandardCharsets.UTF_8);
    }
}
