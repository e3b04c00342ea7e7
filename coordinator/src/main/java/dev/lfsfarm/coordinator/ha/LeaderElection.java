package dev.lfsfarm.coordinator.ha;

import dev.lfsfarm.common.zk.ActiveLeader;
import dev.lfsfarm.common.zk.ZkPaths;
import dev.lfsfarm.coordinator.dispatch.Dispatcher;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.CancelLeadershipException;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election among coordinators with Curator's {@link LeaderSelector}: leadership is a term
 * that lasts exactly as long as {@link #takeLeadership} runs, which maps one-to-one onto "a
 * dispatcher is running under this epoch". Each term claims a new epoch, starts a dispatcher that
 * restores the registry, publishes {@code /farm/leader/active}, opens the {@link LeaderGate}, and
 * then waits until the term ends. Requeued automatically, so a deposed coordinator stands by again.
 *
 * <p>Connection states (see docs/operations/ha.md): SUSPENDED pauses dispatching (the session may
 * still be alive, and nothing is written meanwhile anyway: writes need the connection);
 * RECONNECTED resumes only if the epoch node still has this term's version; LOST (session expired)
 * ends the term at once. A fenced write ends it too, whatever the connection state says.
 */
public final class LeaderElection implements LeaderSelectorListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

    /** Starts the dispatcher of a term: registry loaded, builds restored. */
    @FunctionalInterface
    public interface TermStarter {
        Dispatcher start(EpochFence fence) throws Exception;
    }

    private final CuratorFramework client;
    private final String id;
    private final String grpcAddress;
    private final String httpAddress;
    private final LeaderGate gate;
    private final TermStarter starter;
    private final LeaderSelector selector;
    private final AtomicReference<Term> term = new AtomicReference<>();
    /** Counted down when a term has fully stepped down (dispatcher closed, active node removed). */
    private volatile CountDownLatch steppedDown = new CountDownLatch(0);

    private volatile boolean closing;

    /** One term of leadership. */
    private record Term(EpochFence fence, Dispatcher dispatcher, CountDownLatch ended) {}

    public LeaderElection(
            CuratorFramework client,
            String id,
            String grpcAddress,
            String httpAddress,
            LeaderGate gate,
            TermStarter starter) {
        this.client = client;
        this.id = id;
        this.grpcAddress = grpcAddress;
        this.httpAddress = httpAddress;
        this.gate = gate;
        this.starter = starter;
        this.selector = new LeaderSelector(client, ZkPaths.leaderLatch(), this);
        selector.setId(id + "@" + grpcAddress);
        selector.autoRequeue();
    }

    public void start() {
        selector.start();
        log.info("joined the leader election as {} ({})", id, grpcAddress);
    }

    public boolean isLeader() {
        Term t = term.get();
        return t != null && !t.fence().isBroken() && !t.dispatcher().isHalted();
    }

    /** The current term's epoch, or 0 when standing by. */
    public long epoch() {
        Term t = term.get();
        return t == null ? 0 : t.fence().epoch();
    }

    /** How many coordinators take part in the election, this one included. */
    public int participants() {
        try {
            return selector.getParticipants().size();
        } catch (Exception e) {
            return 1;
        }
    }

    @Override
    public void takeLeadership(CuratorFramework client) throws Exception {
        if (closing) {
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        steppedDown = done;
        EpochFence fence;
        try {
            fence = EpochFence.claim(client);
        } catch (Exception e) {
            done.countDown();
            throw e;
        }
        CountDownLatch ended = new CountDownLatch(1);
        fence.onBroken(ended::countDown);
        Dispatcher dispatcher = null;
        try {
            dispatcher = starter.start(fence);
            Dispatcher d = dispatcher;
            fence.onBroken(() -> d.halt("the term of leader epoch " + fence.epoch() + " ended"));
            term.set(new Term(fence, dispatcher, ended));
            publish(fence);
            gate.lead(dispatcher);
            log.info("leading as epoch {}", fence.epoch());
            ended.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // leadership cancelled (session lost) or closing
        } catch (Exception | Error e) {
            log.error("could not start leading as epoch {}: {}", fence.epoch(), e.toString(), e);
            throw e;
        } finally {
            gate.standBy();
            fence.release();
            if (dispatcher != null) {
                dispatcher.halt("leadership ended");
                dispatcher.close();
            }
            unpublish();
            term.set(null);
            done.countDown();
            log.info("stepped down from epoch {}{}", fence.epoch(), closing ? "" : "; standing by");
        }
    }

    /** Publishes this leader as {@code /farm/leader/active}, an ephemeral node written under the fence. */
    private void publish(EpochFence fence) throws Exception {
        byte[] data = new ActiveLeader(fence.epoch(), grpcAddress, httpAddress, id).toBytes();
        try {
            client.delete().forPath(ZkPaths.active()); // a leftover of an earlier term of this session
        } catch (KeeperException.NoNodeException e) {
            // the usual case
        }
        fence.commit(
                java.util.List.of(client.transactionOp()
                        .create()
                        .withMode(CreateMode.EPHEMERAL)
                        .forPath(ZkPaths.active(), data)),
                data.length);
    }

    /** Removes the active node if this session wrote it (a graceful hand-over); otherwise it expires with the session. */
    private void unpublish() {
        try {
            org.apache.zookeeper.data.Stat stat = client.checkExists().forPath(ZkPaths.active());
            if (stat != null
                    && stat.getEphemeralOwner()
                            == client.getZookeeperClient().getZooKeeper().getSessionId()) {
                client.delete().withVersion(stat.getVersion()).forPath(ZkPaths.active());
            }
        } catch (Exception e) {
            log.debug("could not remove the active node: {}", e.toString());
        }
    }

    @Override
    public void stateChanged(CuratorFramework client, ConnectionState state) {
        Term t = term.get();
        log.info(
                "ZooKeeper connection {}{}",
                state,
                t == null ? "" : " (leading as epoch " + t.fence().epoch() + ")");
        if (t == null) {
            return;
        }
        switch (state) {
            case SUSPENDED -> t.dispatcher().pause();
            case RECONNECTED -> {
                if (t.fence().stillHeld()) {
                    t.dispatcher().unpause();
                } else {
                    t.fence().breakFence("after reconnecting, the epoch node had moved on");
                }
            }
            case LOST -> {
                t.fence().breakFence("the ZooKeeper session was lost");
                throw new CancelLeadershipException();
            }
            default -> {}
        }
    }

    /**
     * Leaves the election. When this coordinator leads and no other one takes part, the farm is
     * stopping: running builds become INTERRUPTED (continued with {@code farm resume}); otherwise a
     * standby takes them over as they are.
     */
    @Override
    public void close() {
        closing = true;
        Term t = term.get();
        if (t != null && !t.fence().isBroken()) {
            if (participants() <= 1) {
                try {
                    int n = t.dispatcher().interruptAll("the farm was stopped").get(10, TimeUnit.SECONDS);
                    log.info(
                            "last coordinator stopping: {} running builds interrupted (farm resume continues them)", n);
                } catch (Exception e) {
                    log.warn("could not mark running builds interrupted: {}", e.toString());
                }
            } else {
                log.info("handing leadership over to a standby");
            }
            t.ended().countDown();
        }
        selector.close();
        try {
            if (!steppedDown.await(10, TimeUnit.SECONDS)) {
                log.warn("the leadership term did not end within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
