package dev.lfsfarm.coordinator.state;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.lfsfarm.common.zk.ZkPaths;
import dev.lfsfarm.coordinator.ha.EpochFence;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildRecord;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.PackageHistory;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.WorkerCalibration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint registry in ZooKeeper (docs/architecture.md, ZooKeeper layout):
 * {@code /farm/builds/<id>/meta} holds a
 * {@link BuildRecord} (build fields plus the digest of the request, which lives in the shared
 * artifact store), {@code /farm/builds/<id>/tasks/<pkg>} one {@link PackageStatus} each.
 *
 * <p>Every write goes through the {@link EpochFence}: one transaction that checks the epoch node
 * first. A task node is written only once its package leaves WAITING/READY (those are recomputed
 * from the graph on load), so a package costs about two writes: assigned, and finished. Large
 * batches (a failure that skips hundreds of dependents) are split into transactions that stay far
 * below {@code jute.maxbuffer} (1 MiB).
 *
 * <p>Checkpoints: {@code /farm/checkpoints/<name>} holds a {@link Checkpoint} summary of a few
 * hundred bytes; its ordered entry list, which grows with the number of packages, is a blob in the
 * artifact store named by {@code entry_list}. Creating and deleting one is one fenced transaction
 * each. Both check the node first: a transaction that failed on an existing or missing node would
 * look like a lost fence and depose this coordinator.
 *
 * <p>Benchmark manager: {@code /farm/history/<pkg>} holds a {@link PackageHistory} (at most
 * {@link #HISTORY_KEPT} records, about 4 KB), rewritten in one fenced write per finished attempt;
 * {@code /farm/calibrations/<worker>} a {@link WorkerCalibration}.
 */
public final class ZkBuildStateStore implements BuildStateStore {
    private static final Logger log = LoggerFactory.getLogger(ZkBuildStateStore.class);
    /** Bounds per transaction: well under jute.maxbuffer whatever the statuses hold. */
    static final int MAX_OPS = 200;

    static final int MAX_BYTES = 256 * 1024;
    /** A failed package's log tail is kept short in the registry; the full log is in the log store. */
    static final int LOG_TAIL_BYTES = 2048;

    private final EpochFence fence;
    private final CuratorFramework client;
    private final SpecBlobs specs;
    /** Per build: its spec digest and size (for meta rewrites) and the tasks that have a node. */
    @GuardedBy("this")
    private final Map<String, BuildRecord> records = new HashMap<>();

    @GuardedBy("this")
    private final Map<String, Set<String>> written = new HashMap<>();
    /** Nodes under /farm/history and /farm/calibrations known to exist (create vs. setData). */
    @GuardedBy("this")
    private final Set<String> existingNodes = new HashSet<>();

    public ZkBuildStateStore(EpochFence fence, SpecBlobs specs) {
        this.fence = fence;
        this.client = fence.client();
        this.specs = specs;
    }

    /** Creates the top-level nodes once; idempotent and harmless outside the fence. */
    public static void ensureLayout(CuratorFramework client) throws Exception {
        for (String path : List.of(
                ZkPaths.builds(),
                ZkPaths.checkpoints(),
                ZkPaths.workers(),
                ZkPaths.histories(),
                ZkPaths.calibrations())) {
            try {
                client.create().creatingParentsIfNeeded().forPath(path);
            } catch (KeeperException.NodeExistsException e) {
                // already there
            }
        }
    }

    @Override
    public synchronized void created(SubmitBuildRequest spec, Build build) {
        String id = build.getBuildId();
        byte[] specBytes = spec.toByteArray();
        String sha;
        try {
            sha = specs.put(specBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the request of build " + id, e);
        }
        BuildRecord record = BuildRecord.newBuilder()
                .setSpecSha256(sha)
                .setSpecSize(specBytes.length)
                .setBuild(build.toBuilder().clearPackages())
                .setWrittenEpoch(fence.epoch())
                .build();
        List<CuratorOp> ops = new ArrayList<>();
        try {
            ops.add(client.transactionOp().create().forPath(ZkPaths.build(id)));
            ops.add(client.transactionOp().create().forPath(ZkPaths.tasks(id)));
            ops.add(client.transactionOp().create().forPath(ZkPaths.buildMeta(id), record.toByteArray()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        fence.commit(ops, record.getSerializedSize());
        records.put(id, record);
        written.put(id, new HashSet<>());
        packagesChanged(id, build.getPackagesList());
    }

    @Override
    public synchronized void packagesChanged(String buildId, List<PackageStatus> changed) {
        Set<String> existing = written.computeIfAbsent(buildId, k -> new HashSet<>());
        List<CuratorOp> ops = new ArrayList<>();
        List<String> created = new ArrayList<>();
        long bytes = 0;
        for (PackageStatus status : changed) {
            boolean exists = existing.contains(status.getPackageId());
            if (!exists && initial(status.getState())) {
                continue; // recomputed from the graph on load
            }
            byte[] data = compact(status).toByteArray();
            if (!ops.isEmpty() && (ops.size() >= MAX_OPS || bytes + data.length > MAX_BYTES)) {
                commit(ops, bytes, existing, created);
                bytes = 0;
            }
            String path = ZkPaths.task(buildId, status.getPackageId());
            try {
                ops.add(
                        exists || created.contains(status.getPackageId())
                                ? client.transactionOp().setData().forPath(path, data)
                                : client.transactionOp().create().forPath(path, data));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            if (!exists) {
                created.add(status.getPackageId());
            }
            bytes += data.length;
        }
        if (!ops.isEmpty()) {
            commit(ops, bytes, existing, created);
        }
    }

    private void commit(List<CuratorOp> ops, long bytes, Set<String> existing, List<String> created) {
        fence.commit(List.copyOf(ops), bytes);
        existing.addAll(created);
        created.clear();
        ops.clear();
    }

    private static boolean initial(PackageState s) {
        return s == PackageState.PACKAGE_STATE_WAITING || s == PackageState.PACKAGE_STATE_READY;
    }

    /** What the registry keeps of a status: everything but a long log tail. */
    static PackageStatus compact(PackageStatus status) {
        ByteString tail = status.getLogTailBytes();
        if (tail.size() <= LOG_TAIL_BYTES) {
            return status;
        }
        return status.toBuilder()
                .setLogTailBytes(tail.substring(tail.size() - LOG_TAIL_BYTES))
                .build();
    }

    @Override
    public synchronized void buildChanged(Build build) {
        BuildRecord previous = records.get(build.getBuildId());
        if (previous == null) {
            throw new IllegalStateException("build " + build.getBuildId() + " is not in the registry");
        }
        BuildRecord record = previous.toBuilder()
                .setBuild(build.toBuilder().clearPackages())
                .setWrittenEpoch(fence.epoch())
                .build();
        try {
            fence.commit(
                    List.of(client.transactionOp()
                            .setData()
                            .forPath(ZkPaths.buildMeta(build.getBuildId()), record.toByteArray())),
                    record.getSerializedSize());
        } catch (FencedException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        records.put(build.getBuildId(), record);
    }

    @Override
    public synchronized List<StoredBuild> loadAll() {
        List<StoredBuild> result = new ArrayList<>();
        try {
            List<String> ids = new ArrayList<>(client.getChildren().forPath(ZkPaths.builds()));
            List<BuildRecord> loaded = new ArrayList<>();
            Map<String, Map<String, PackageStatus>> tasks = new HashMap<>();
            for (String id : ids) {
                byte[] meta;
                try {
                    meta = client.getData().forPath(ZkPaths.buildMeta(id));
                } catch (KeeperException.NoNodeException e) {
                    log.warn("registry: build {} has no meta node; ignored", id);
                    continue;
                }
                loaded.add(BuildRecord.parseFrom(meta));
                tasks.put(id, loadTasks(id));
            }
            loaded.sort(Comparator.comparing(
                            (BuildRecord r) -> r.getBuild().getSubmittedAt().getSeconds())
                    .thenComparing(r -> r.getBuild().getSubmittedAt().getNanos())
                    .thenComparing(r -> r.getBuild().getBuildId()));
            for (BuildRecord record : loaded) {
                String id = record.getBuild().getBuildId();
                SubmitBuildRequest spec;
                try {
                    spec = SubmitBuildRequest.parseFrom(specs.get(record.getSpecSha256()));
                } catch (IOException e) {
                    log.error(
                            "registry: build {} cannot be loaded: its request sha256:{} is not readable ({}); is "
                                    + "--artifact-dir the same shared storage on every coordinator?",
                            id,
                            record.getSpecSha256(),
                            e.getMessage());
                    continue;
                }
                records.put(id, record);
                written.put(id, new HashSet<>(tasks.get(id).keySet()));
                result.add(new StoredBuild(
                        spec,
                        record.getBuild().toBuilder()
                                .addAllPackages(tasks.get(id).values())
                                .build()));
            }
        } catch (Exception e) {
            if (e instanceof KeeperException.NoNodeException) {
                return result;
            }
            throw new IllegalStateException("cannot read the build registry: " + e.getMessage(), e);
        }
        return result;
    }

    private Map<String, PackageStatus> loadTasks(String id) throws Exception {
        Map<String, PackageStatus> statuses = new LinkedHashMap<>();
        for (String pkg : client.getChildren().forPath(ZkPaths.tasks(id))) {
            try {
                statuses.put(pkg, PackageStatus.parseFrom(client.getData().forPath(ZkPaths.task(id, pkg))));
            } catch (InvalidProtocolBufferException e) {
                log.warn("registry: build {} task {} is unreadable; it will be rebuilt", id, pkg);
            }
        }
        return statuses;
    }

    @Override
    public synchronized void saveCheckpoint(Checkpoint summary) {
        String path = ZkPaths.checkpoint(summary.getName());
        byte[] data = summary.toBuilder().clearEntries().build().toByteArray();
        try {
            if (client.checkExists().forPath(path) != null) {
                throw new IllegalStateException("checkpoint " + summary.getName() + " already exists");
            }
            fence.commit(List.of(client.transactionOp().create().forPath(path, data)), data.length);
        } catch (FencedException | IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot write checkpoint " + summary.getName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized List<Checkpoint> listCheckpoints() {
        List<Checkpoint> result = new ArrayList<>();
        List<String> names;
        try {
            names = client.getChildren().forPath(ZkPaths.checkpoints());
        } catch (KeeperException.NoNodeException e) {
            return result;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the checkpoint registry: " + e.getMessage(), e);
        }
        for (String name : names) {
            readCheckpoint(name).ifPresent(result::add);
        }
        result.sort(Comparator.comparingLong((Checkpoint c) -> c.getCreatedAt().getSeconds())
                .thenComparingInt(c -> c.getCreatedAt().getNanos())
                .thenComparing(Checkpoint::getName));
        return result;
    }

    @Override
    public synchronized Optional<Checkpoint> findCheckpoint(String name) {
        return readCheckpoint(name);
    }

    private Optional<Checkpoint> readCheckpoint(String name) {
        try {
            return Optional.of(Checkpoint.parseFrom(client.getData().forPath(ZkPaths.checkpoint(name))));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty(); // deleted between listing and reading
        } catch (InvalidProtocolBufferException e) {
            log.warn("registry: checkpoint {} is unreadable; ignored", name);
            return Optional.empty();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read checkpoint " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized boolean deleteCheckpoint(String name) {
        String path = ZkPaths.checkpoint(name);
        try {
            if (client.checkExists().forPath(path) == null) {
                return false;
            }
            fence.commit(List.of(client.transactionOp().delete().forPath(path)), 0);
            return true;
        } catch (FencedException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot delete checkpoint " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void historyChanged(PackageHistory history) {
        put(ZkPaths.history(history.getPackageId()), history.toByteArray());
    }

    @Override
    public synchronized Map<String, PackageHistory> loadHistories() {
        Map<String, PackageHistory> result = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> node : children(ZkPaths.histories()).entrySet()) {
            try {
                result.put(node.getKey(), PackageHistory.parseFrom(node.getValue()));
            } catch (InvalidProtocolBufferException e) {
                log.warn("registry: history of {} is unreadable; it starts again", node.getKey());
            }
        }
        return result;
    }

    @Override
    public synchronized void calibrated(WorkerCalibration calibration) {
        put(ZkPaths.calibration(calibration.getWorker()), calibration.toByteArray());
    }

    @Override
    public synchronized List<WorkerCalibration> loadCalibrations() {
        List<WorkerCalibration> result = new ArrayList<>();
        for (Map.Entry<String, byte[]> node : children(ZkPaths.calibrations()).entrySet()) {
            try {
                result.add(WorkerCalibration.parseFrom(node.getValue()));
            } catch (InvalidProtocolBufferException e) {
                log.warn("registry: calibration of worker {} is unreadable; ignored", node.getKey());
            }
        }
        return result;
    }

    /** Creates or replaces one node under the fence (checked first: a failed create would look like a lost fence). */
    private void put(String path, byte[] data) {
        try {
            boolean exists =
                    existingNodes.contains(path) || client.checkExists().forPath(path) != null;
            fence.commit(
                    List.of(
                            exists
                                    ? client.transactionOp().setData().forPath(path, data)
                                    : client.transactionOp().create().forPath(path, data)),
                    data.length);
            existingNodes.add(path);
        } catch (FencedException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** Every child of {@code parent} with its data, by name; empty when the parent is missing. */
    private Map<String, byte[]> children(String parent) {
        Map<String, byte[]> result = new LinkedHashMap<>();
        try {
            for (String name : client.getChildren().forPath(parent)) {
                try {
                    result.put(name, client.getData().forPath(parent + "/" + name));
                    existingNodes.add(parent + "/" + name);
                } catch (KeeperException.NoNodeException e) {
                    // deleted between listing and reading
                }
            }
        } catch (KeeperException.NoNodeException e) {
            return result;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + parent + ": " + e.getMessage(), e);
        }
        return result;
    }

    /** Read from the registry itself, so builds this coordinator could not restore keep their requests too. */
    @Override
    public synchronized Set<String> specBlobs() {
        Set<String> result = new HashSet<>();
        try {
            for (String id : client.getChildren().forPath(ZkPaths.builds())) {
                try {
                    result.add(BuildRecord.parseFrom(client.getData().forPath(ZkPaths.buildMeta(id)))
                            .getSpecSha256());
                } catch (KeeperException.NoNodeException e) {
                    // a build node without meta holds no request
                }
            }
        } catch (KeeperException.NoNodeException e) {
            return result;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the build registry: " + e.getMessage(), e);
        }
        return result;
    }

    @Override
    public long nextEpoch() {
        return fence.epoch();
    }

    /** Registry writes so far (for the figures in docs/performance.md). */
    public EpochFence.WriteCounts counts() {
        return fence.counts();
    }

    @Override
    public void close() {
        // the Curator client belongs to the election; nothing of our own to close
    }
}
