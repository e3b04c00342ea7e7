package dev.lfsfarm.common.zk;

/**
 * The one place that builds ZooKeeper paths (docs/architecture.md, ZooKeeper layout). Everything
 * lives under {@code /farm};
 * a chroot in the connect string ({@code zk1:2181/team-a}) moves the whole tree, so several farms
 * can share an ensemble.
 */
public final class ZkPaths {
    public static final String ROOT = "/farm";

    private ZkPaths() {}

    /** Parent of the LeaderSelector's participant nodes. */
    public static String leaderLatch() {
        return ROOT + "/leader/latch";
    }

    /** Persistent; its data is the newest leader epoch and its version fences every registry write. */
    public static String epoch() {
        return ROOT + "/leader/epoch";
    }

    /** Ephemeral node of the active coordinator: {@link ActiveLeader} as JSON. */
    public static String active() {
        return ROOT + "/leader/active";
    }

    public static String builds() {
        return ROOT + "/builds";
    }

    public static String build(String buildId) {
        return builds() + "/" + segment(buildId);
    }

    public static String buildMeta(String buildId) {
        return build(buildId) + "/meta";
    }

    public static String tasks(String buildId) {
        return build(buildId) + "/tasks";
    }

    public static String task(String buildId, String packageId) {
        return tasks(buildId) + "/" + segment(packageId);
    }

    public static String checkpoints() {
        return ROOT + "/checkpoints";
    }

    public static String checkpoint(String name) {
        return checkpoints() + "/" + segment(name);
    }

    public static String workers() {
        return ROOT + "/workers";
    }

    public static String worker(String name) {
        return workers() + "/" + segment(name);
    }

    /** Per package: its recent attempts (a PackageHistory). */
    public static String histories() {
        return ROOT + "/history";
    }

    public static String history(String packageId) {
        return histories() + "/" + segment(packageId);
    }

    /** Per worker: its SBU calibration (a WorkerCalibration). */
    public static String calibrations() {
        return ROOT + "/calibrations";
    }

    public static String calibration(String worker) {
        return calibrations() + "/" + segment(worker);
    }

    /** A single path segment: ids and names never contain '/', and '.'/'..' are not names. */
    static String segment(String name) {
        if (name == null
                || name.isEmpty()
                || name.contains("/")
                || name.equals(".")
                || name.equals("..")
                || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new IllegalArgumentException("not usable as a ZooKeeper node name: '" + name + "'");
        }
        return name;
    }
}
