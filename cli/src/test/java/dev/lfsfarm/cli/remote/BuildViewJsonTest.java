package dev.lfsfarm.cli.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildProgress;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.Measurements;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.ResourceUsage;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The build JSON from {@link BuildView}: the fields, their order and which ones are left out when. */
class BuildViewJsonTest {

    private static String json(Object view) {
        StringWriter text = new StringWriter();
        JsonViews.write(new PrintWriter(text), view);
        return text.toString();
    }

    @Test
    void failedAndMeasuredPackages() {
        Build build = Build.newBuilder()
                .setBuildId("b1")
                .setState(BuildState.BUILD_STATE_FAILED)
                .setBookName("demo")
                .addTargets("hello")
                .setProfile("default")
                .setProgress(BuildProgress.newBuilder()
                        .setTotal(2)
                        .setDone(2)
                        .setSucceeded(1)
                        .setFailed(1))
                .addPackages(PackageStatus.newBuilder()
                        .setPackageId("libstr")
                        .setVersion("1.0")
                        .setState(PackageState.PACKAGE_STATE_SUCCEEDED)
                        .setWorker("w1")
                        .setAttempts(1)
                        .setWallSeconds(2.5)
                        .setMeasurements(Measurements.newBuilder()
                                .setTotal(ResourceUsage.newBuilder()
                                        .setUserCpuSeconds(1.5)
                                        .setSystemCpuSeconds(0.25)
                                        .setPeakRssBytes(4096))
                                .setSbu(1.0))
                        .setSbuEstimate(1.0)
                        .setArtifact(Digest.newBuilder().setSha256("a1"))
                        .setActionKey("k1"))
                .addPackages(PackageStatus.newBuilder()
                        .setPackageId("hello")
                        .setVersion("2.0")
                        .setState(PackageState.PACKAGE_STATE_FAILED)
                        .setAttempts(2)
                        .setExitCode(2)
                        .setFailedPhase("build")
                        .setFailureReason("make failed")
                        .setActionKey("k2"))
                .build();
        assertEquals("""
                {
                  "build_id" : "b1",
                  "state" : "FAILED",
                  "book" : "demo",
                  "targets" : [ "hello" ],
                  "profile" : "default",
                  "progress" : {
                    "total" : 2,
                    "done" : 2,
                    "running" : 0,
                    "succeeded" : 1,
                    "cached" : 0,
                    "failed" : 1,
                    "skipped" : 0,
                    "cancelled" : 0,
                    "regressions" : 0
                  },
                  "packages" : [ {
                    "id" : "libstr",
                    "version" : "1.0",
                    "state" : "SUCCEEDED",
                    "worker" : "w1",
                    "attempts" : 1,
                    "cache_hit" : false,
                    "wall_seconds" : 2.5,
                    "user_cpu_seconds" : 1.5,
                    "system_cpu_seconds" : 0.25,
                    "peak_rss_bytes" : 4096,
                    "sbu" : 1.0,
                    "sbu_estimate" : 1.0,
                    "estimate_source" : "book",
                    "skipped_because" : null,
                    "artifact" : "a1",
                    "action_key" : "k1"
                  }, {
                    "id" : "hello",
                    "version" : "2.0",
                    "state" : "FAILED",
                    "worker" : null,
                    "attempts" : 2,
                    "cache_hit" : false,
                    "wall_seconds" : 0.0,
                    "sbu_estimate" : 0.0,
                    "estimate_source" : "book",
                    "skipped_because" : null,
                    "exit_code" : 2,
                    "failed_phase" : "build",
                    "failure" : "make failed",
                    "artifact" : null,
                    "action_key" : "k2"
                  } ]
                }
                """, json(BuildView.of(build, true)));
    }

    @Test
    void listedBuildHasNoPackages() {
        Build build = Build.newBuilder()
                .setBuildId("b2")
                .setState(BuildState.BUILD_STATE_QUEUED)
                .setMessage("waiting")
                .build();
        assertEquals("""
                {
                  "builds" : [ {
                    "build_id" : "b2",
                    "state" : "QUEUED",
                    "book" : "",
                    "targets" : [ ],
                    "profile" : "",
                    "message" : "waiting",
                    "progress" : {
                      "total" : 0,
                      "done" : 0,
                      "running" : 0,
                      "succeeded" : 0,
                      "cached" : 0,
                      "failed" : 0,
                      "skipped" : 0,
                      "cancelled" : 0,
                      "regressions" : 0
                    }
                  } ]
                }
                """, json(new StatusCommand.BuildList(java.util.List.of(BuildView.of(build, false)))));
    }

    @Test
    void runningPackageCarriesItsPhaseAndCancelledOneItsReason() {
        Build build = Build.newBuilder()
                .setBuildId("b3")
                .setState(BuildState.BUILD_STATE_RUNNING)
                .addPackages(PackageStatus.newBuilder()
                        .setPackageId("gcc")
                        .setState(PackageState.PACKAGE_STATE_RUNNING)
                        .setCurrentPhase("build"))
                .addPackages(PackageStatus.newBuilder()
                        .setPackageId("glibc")
                        .setState(PackageState.PACKAGE_STATE_CANCELLED)
                        .setFailureReason("build cancelled"))
                .build();
        BuildView view = BuildView.of(build, true);
        String text = json(view);
        org.assertj.core.api.Assertions.assertThat(text)
                .contains("\"current_phase\" : \"build\"")
                .contains("\"reason\" : \"build cancelled\"");
        assertEquals("build", BuildText.note(view.packages().get(0)));
        assertEquals("build cancelled", BuildText.note(view.packages().get(1)));
    }

    @Test
    void submittedAndResumed() {
        assertEquals("""
                {
                  "build_id" : "b4",
                  "state" : "QUEUED",
                  "total_packages" : 3
                }
                """, json(new SubmitCommand.Submitted("b4", "QUEUED", 3)));
        assertEquals("""
                {
                  "build_id" : "b4",
                  "state" : "RUNNING",
                  "resumed" : true,
                  "remaining" : 2
                }
                """, json(new ResumeCommand.Resumed("b4", "RUNNING", true, 2)));
        assertEquals("build b4 resumed: 2 packages to go", new ResumeCommand.Resumed("b4", "RUNNING", true, 2).line());
        assertEquals("build b4 is already RUNNING", new ResumeCommand.Resumed("b4", "RUNNING", false, 0).line());
    }
}
