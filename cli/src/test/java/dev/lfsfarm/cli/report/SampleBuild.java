package dev.lfsfarm.cli.report;

import com.google.protobuf.Timestamp;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildProgress;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.EstimateSource;
import dev.lfsfarm.proto.v1.Measurements;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.Regression;
import dev.lfsfarm.proto.v1.ResourceUsage;
import java.time.Instant;
import java.util.List;

/**
 * A hand-built finished build whose layout is worked out by hand (times in seconds after T0):
 *
 * <pre>
 *   a  w1  0-10  SUCCEEDED                 b  w1  2-6  SUCCEEDED (overlaps a: 2nd lane)
 *   c  w2 10-30  SUCCEEDED  after a        d  w1  6-9  SUCCEEDED after b (2nd lane, after b)
 *   e  CACHED, finished 11, after a        f  w2 31-40 FAILED after c, e (log tail with markup)
 *   g  SKIPPED after f                     h  w1 12-20 SUCCEEDED after e, 2 attempts, regression
 * </pre>
 *
 * Lanes: w1 [a, h] [b, d]; w2 [c, f]. Critical path a → c → f (f finished last; of its
 * dependencies c finished at 30, e at 11). Busy 54 s on 3 slots = 18 s; longest chain a+c+f = 39 s;
 * lower bound 39 s; makespan 40 s.
 */
final class SampleBuild {
    static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    static final String LOG_TAIL = "checking <stdio.h>... no\nerror: \"x\" & 'y' </pre><script>alert(1)</script>\n";

    private SampleBuild() {}

    static Build build() {
        return Build.newBuilder()
                .setBuildId("b-7")
                .setBookName("mini")
                .setProfile("default")
                .addTargets("g")
                .addTargets("h")
                .setState(BuildState.BUILD_STATE_FAILED)
                .setMessage("1 failed, 1 skipped")
                .setStartedAt(at(0))
                .setFinishedAt(at(41.5))
                .setProgress(BuildProgress.newBuilder()
                        .setTotal(8)
                        .setDone(6)
                        .setSucceeded(5)
                        .setCached(1)
                        .setFailed(1)
                        .setSkipped(1)
                        .setRegressions(1))
                .addPackages(ran("a", "w1", 0, 10, 9.5)
                        .setSbuEstimate(1)
                        .setEstimateSource(EstimateSource.ESTIMATE_SOURCE_BOOK)
                        .setMeasurements(measured(9.5, 2.5, 12L << 20)))
                .addPackages(ran("b", "w1", 2, 6, 3.9)
                        .setMeasurements(measured(3.9, 0, 868L << 10))
                        .setSbuEstimate(0.3)
                        .setEstimateSource(EstimateSource.ESTIMATE_SOURCE_LEARNED))
                .addPackages(
                        ran("c", "w2", 10, 30, 19.8, "a").setMeasurements(measured(19.8, 5, (long) (1.1 * (1L << 30)))))
                .addPackages(ran("d", "w1", 6, 9, 2.9, "b"))
                .addPackages(PackageStatus.newBuilder()
                        .setPackageId("e")
                        .setVersion("1.0")
                        .setState(PackageState.PACKAGE_STATE_CACHED)
                        .setCacheHit(true)
                        .setFinishedAt(at(11))
                        .addDependsOn("a")
                        .setMeasurements(measured(7, 1.75, 4_613_734)))
                .addPackages(ran("f", "w2", 31, 40, 8.7, "c", "e")
                        .setState(PackageState.PACKAGE_STATE_FAILED)
                        .setFailureReason("phase build exited 2")
                        .setFailedPhase("build")
                        .setExitCode(2)
                        .setLogTail(LOG_TAIL))
                .addPackages(PackageStatus.newBuilder()
                        .setPackageId("g")
                        .setVersion("1.0")
                        .setState(PackageState.PACKAGE_STATE_SKIPPED)
                        .setSkippedBecause("f")
                        .addDependsOn("f")
                        .setSbuEstimate(0.5)
                        .setEstimateSource(EstimateSource.ESTIMATE_SOURCE_BOOK))
                .addPackages(ran("h", "w1", 12, 20, 7.9, "e")
                        .setAttempts(2)
                        .setRegression(Regression.newBuilder()
                                .setFactor(2.3)
                                .setThreshold(1.5)
                                .setExpectedSeconds(3.4)
                                .setSamples(5)))
                .build();
    }

    static PackageStatus.Builder ran(String id, String worker, double start, double end, double wall, String... deps) {
        return PackageStatus.newBuilder()
                .setPackageId(id)
                .setVersion("1.0")
                .setState(PackageState.PACKAGE_STATE_SUCCEEDED)
                .setWorker(worker)
                .setAttempts(1)
                .setStartedAt(at(start))
                .setFinishedAt(at(end))
                .setWallSeconds(wall)
                .addAllDependsOn(List.of(deps));
    }

    static Measurements measured(double wall, double sbu, long disk) {
        return Measurements.newBuilder()
                .setTotal(ResourceUsage.newBuilder().setWallSeconds(wall))
                .setSbu(sbu)
                .setSecondsPerSbu(sbu > 0 ? wall / sbu : 0)
                .setDiskUsedBytes(disk)
                .build();
    }

    static Timestamp at(double seconds) {
        Instant t = T0.plusNanos(Math.round(seconds * 1e9));
        return Timestamp.newBuilder()
                .setSeconds(t.getEpochSecond())
                .setNanos(t.getNano())
                .build();
    }
}
