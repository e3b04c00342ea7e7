package dev.lfsfarm.common.leader;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.lfsfarm.common.zk.ActiveLeader;
import dev.lfsfarm.common.zk.ZkPaths;
import dev.lfsfarm.common.zk.ZooKeeperClients;
import java.time.Duration;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code /farm/leader/active} with a watch (Curator's single-node cache), so the address
 * is current without asking ZooKeeper on every connect. Only reads; the worker and the CLI know
 * nothing else of ZooKeeper.
 */
public final class ZooKeeperLeaderDiscovery implements CoordinatorLocator {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperLeaderDiscovery.class);

    private final String connect;
    private final CuratorFramework client;
    private final CuratorCache cache;
    /** Notified when the leader record changes; guards the standby's hint. */
    private final Object changed = new Object();

    private final Duration waitForLeader;
    /** A standby's answer, newer than our copy of the record; see {@link #redirect}. */
    @GuardedBy("changed")
    private String hint;

    /** The record {@link #hint} was given over: the hint holds until it changes. */
    @GuardedBy("changed")
    private Optional<ActiveLeader> hintedOver = Optional.empty();

    private ZooKeeperLeaderDiscovery(String connect, CuratorFramework client, Duration waitForLeader) {
        this.connect = connect;
        this.client = client;
        this.waitForLeader = waitForLeader;
        this.cache = CuratorCache.build(client, ZkPaths.active(), CuratorCache.Options.SINGLE_NODE_CACHE);
        cache.listenable().addListener((type, before, after) -> {
            synchronized (changed) {
                changed.notifyAll();
            }
            log.debug("leader record {}: {}", type, after == null ? "gone" : ActiveLeader.parse(after.getData()));
        });
        cache.start();
    }

    /** Starts watching; {@code waitForLeader} bounds how long {@link #next()} waits for an election. */
    public static ZooKeeperLeaderDiscovery start(String connect, Duration waitForLeader) {
        return new ZooKeeperLeaderDiscovery(
                connect, ZooKeeperClients.start(connect, ZooKeeperClients.DEFAULT_SESSION_TIMEOUT), waitForLeader);
    }

    /** The leader as last seen, if there is one. */
    public Optional<ActiveLeader> current() {
        return cache.get(ZkPaths.active()).map(ChildData::getData).flatMap(ActiveLeader::parse);
    }

    /** Waits up to the configured time for a leader; then throws {@link NoLeaderException}. */
    @Override
    public String next() throws InterruptedException {
        long deadline = System.nanoTime() + waitForLeader.toNanos();
        synchronized (changed) {
            while (true) {
                Optional<ActiveLeader> leader = current();
                if (hint != null && leader.equals(hintedOver)) {
                    return hint;
                }
                hint = null;
                if (leader.isPresent()) {
                    return leader.get().grpcAddress();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new NoLeaderException(
                            client.getZookeeperClient().isConnected()
                                    ? "no active coordinator in ZooKeeper " + connect + " (" + ZkPaths.active()
                                            + " is missing) after " + waitForLeader.toSeconds() + " s"
                                    : "ZooKeeper " + connect + " is not reachable");
                }
                changed.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    @Override
    public void failed(String address) {
        synchronized (changed) {
            if (address.equals(hint)) {
                hint = null;
            }
        }
        // otherwise the watch will say when the leader moves; nothing to rotate
    }

    /**
     * A standby named the leader. ZooKeeper stays the source of truth, but our copy of the record
     * can lag behind the standby's (a watch arrives late, or this client is reconnecting): the hint
     * is used until the record changes, so a client does not bounce off the same standby.
     */
    @Override
    public void redirect(String leaderAddress) {
        synchronized (changed) {
            hint = leaderAddress;
            hintedOver = current();
        }
    }

    /** Agrees with {@link #next()}: a standby's hint wins until the record it was given over changes. */
    @Override
    public Optional<String> announced() {
        synchronized (changed) {
            Optional<ActiveLeader> leader = current();
            if (hint != null && leader.equals(hintedOver)) {
                return Optional.of(hint);
            }
            return leader.map(ActiveLeader::grpcAddress);
        }
    }

    @Override
    public String describe() {
        return "ZooKeeper " + connect;
    }

    @Override
    public void close() {
        cache.close();
        client.close();
    }
}
