package dev.lfsfarm.cli.it;

import dev.lfsfarm.common.testing.BookFixture;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.common.zk.ActiveLeader;
import dev.lfsfarm.common.zk.ZkPaths;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.PackageState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.data.Stat;

/**
 * Figures for docs/performance.md (issue 4), on real processes: a 3-member {@code farm zk}
 * ensemble, two coordinators, two workers.
 *
 * <ol>
 *   <li>Failover: a 32-package build (4 chains of 8, 0.7 s phases); in its middle the leader gets
 *   kill -9. Failover time = from the kill to the start of the first attempt of the new epoch
 *   (its started_at, coordinator clock, same host). Rounds: 5 by default; the killed coordinator
 *   is started again as the next round's standby. Also counts packages executed more than once.
 *   <li>Registry cost: a 1,000-package no-op build (wide); ZooKeeper transactions from the zxid
 *   before and after (every registry write is one transaction), znodes and bytes under the build.
 * </ol>
 *
 * Run: {@code mvn -B -q -pl cli -Pbench test-compile exec:exec} (after {@code mvn install}).
 */
public final class FailoverBenchmark {
    private FailoverBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int wide = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        Path dir = Files.createTempDirectory("farm-failover-bench");
        try (HaFarm farm = new HaFarm(dir.resolve("farm"), "FailoverBenchmark")) {
            Marks marks = Marks.in(dir);
            farm.startEnsemble();
            farm.startCoordinator("coord-a");
            farm.awaitLeader("a leader", l -> true);
            farm.startCoordinator("coord-b");
            farm.startWorker("w1");
            farm.startWorker("w2");
            failover(farm, marks, dir, rounds);
            registry(farm, dir, wide);
        }
    }

    private static void failover(HaFarm farm, Marks marks, Path dir, int rounds) {
        List<Double> seconds = new ArrayList<>();
        long repeated = 0;
        for (int r = 1; r <= rounds; r++) {
            int round = r;
            Path book = chains(dir.resolve("book-" + round), marks, round);
            ActiveLeader leader = farm.awaitLeader("a leader", l -> true);
            String id = farm.cli(leader.name(), "submit", book.toString(), "-o", "json")
                    .json()
                    .path("build_id")
                    .asText();
            farm.await("the middle of build " + id, () -> {
                Build b = farm.build(id);
                return b != null && count(b, PackageState.PACKAGE_STATE_SUCCEEDED) >= 10 ? b : null;
            });
            Instant killed = Instant.now();
            farm.coordinator(leader.name()).kill();
            ActiveLeader next = farm.awaitLeader("the standby leads", l -> l.epoch() > leader.epoch());
            Build first = farm.await("a dispatch under epoch " + next.epoch(), () -> {
                Build b = farm.build(id);
                return b != null
                                && b.getPackagesList().stream()
                                        .anyMatch(p -> p.getAttemptId().startsWith(next.epoch() + "-"))
                        ? b
                        : null;
            });
            Instant dispatched = first.getPackagesList().stream()
                    .filter(p -> p.getAttemptId().startsWith(next.epoch() + "-"))
                    .map(p -> ProtoTime.instant(p.getStartedAt()))
                    .min(Instant::compareTo)
                    .orElseThrow();
            Build done = farm.await("build " + id + " to finish", () -> {
                Build b = farm.build(id);
                return b != null && b.getState() == BuildState.BUILD_STATE_SUCCEEDED ? b : null;
            });
            double s = Duration.between(killed, dispatched).toMillis() / 1000.0;
            seconds.add(s);
            Map<String, Long> lines = marks.lines().stream()
                    .filter(l -> l.startsWith("start r" + round + "-"))
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            long again = lines.values().stream().filter(n -> n > 1).count();
            repeated += again;
            System.out.printf(
                    Locale.ROOT,
                    "round %d: killed %s (epoch %d), %s leads (epoch %d), first dispatch after %.2f s, "
                            + "%d packages, %d executed more than once%n",
                    round,
                    leader.name(),
                    leader.epoch(),
                    next.name(),
                    next.epoch(),
                    s,
                    done.getPackagesCount(),
                    again);
            farm.startCoordinator(leader.name()); // back as the standby of the next round
        }
        List<Double> sorted = new ArrayList<>(seconds);
        Collections.sort(sorted);
        System.out.printf(
                Locale.ROOT,
                "failover (kill -9 -> first dispatch by the new leader), session timeout %d s, "
                        + "lease 4 s: median %.2f s, min %.2f s, max %.2f s over %d rounds; packages re-executed: %d%n",
                HaFarm.SESSION_TIMEOUT.toSeconds(),
                sorted.get(sorted.size() / 2),
                sorted.get(0),
                sorted.get(sorted.size() - 1),
                sorted.size(),
                repeated);
    }

    private static void registry(HaFarm farm, Path dir, int packages) throws Exception {
        BookFixture fixture = new BookFixture(dir.resolve("wide")).book("name: wide\n");
        for (int i = 0; i < packages; i++) {
            fixture.recipe(String.format("n%04d", i), "version: \"1.0\"\nsbu: 0.01\nphases:\n  install: \"true\"\n");
        }
        CuratorFramework zk = farm.zooKeeper();
        long before = zxid(zk);
        ActiveLeader leader = farm.awaitLeader("a leader", l -> true);
        long start = System.nanoTime();
        String id = farm.cli(leader.name(), "submit", fixture.root().toString(), "--no-cache", "-o", "json")
                .json()
                .path("build_id")
                .asText();
        Build done = farm.await("the wide build to finish", Duration.ofMinutes(10), () -> {
            Build b = farm.build(id);
            return b != null && b.getState() == BuildState.BUILD_STATE_SUCCEEDED ? b : null;
        });
        double wall = (System.nanoTime() - start) / 1e9;
        long transactions = zxid(zk) - before - 1; // less the probe write that reads the zxid
        long nodes = 0;
        long bytes = zk.checkExists().forPath(ZkPaths.buildMeta(id)).getDataLength();
        int largest = 0;
        for (String pkg : zk.getChildren().forPath(ZkPaths.tasks(id))) {
            Stat stat = zk.checkExists().forPath(ZkPaths.task(id, pkg));
            nodes++;
            bytes += stat.getDataLength();
            largest = Math.max(largest, stat.getDataLength());
        }
        System.out.printf(
                Locale.ROOT,
                "registry, %d-package no-op build (%d SUCCEEDED, %.1f s): %d ZooKeeper transactions "
                        + "(%.2f per package), %d task znodes + meta, %d bytes (%.0f per package, largest znode %d bytes)%n",
                packages,
                done.getPackagesList().stream()
                        .filter(p -> p.getState() == PackageState.PACKAGE_STATE_SUCCEEDED)
                        .count(),
                wall,
                transactions,
                transactions / (double) packages,
                nodes,
                bytes,
                bytes / (double) packages,
                largest);
    }

    /** The ensemble's newest zxid: the zxid of a fresh write. */
    private static long zxid(CuratorFramework zk) throws Exception {
        Stat stat = zk.setData().forPath("/it/ready", new byte[0]);
        return stat.getMzxid() & 0xffffffffL; // the counter, without the ZooKeeper leader's epoch
    }

    private static Path chains(Path root, Marks marks, int round) {
        BookFixture fixture = new BookFixture(root).book("name: round" + round + "\n" + marks.defaultsEnv());
        for (int i = 0; i < 32; i++) {
            String id = String.format("r%d-p%02d", round, i);
            String depends = i < 4 ? "" : String.format("depends: {required: [r%d-p%02d]}%n", round, i - 4);
            fixture.recipe(id, "version: \"1.0\"\nsbu: 0.5\n" + depends + """
                    phases:
                      build: |
                        echo "start %1$s" >> "$MARKS"
                        sleep 0.7
                      install: mkdir -p "$DESTDIR/usr/share/%1$s"
                    """.formatted(id));
        }
        return fixture.root();
    }

    private static long count(Build b, PackageState s) {
        return b.getPackagesList().stream().filter(p -> p.getState() == s).count();
    }
}
