package dev.lfsfarm.cli.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lfsfarm.cli.CliRun;
import org.junit.jupiter.api.Test;

/** {@code farm simulate --lose-worker}: the coordinator's requeue, in virtual time, and its cost. */
class SimulateLoseWorkerTest {
    private static final String LFS = "../examples/lfs-chapter8.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aLostWorkersPackageIsRequeuedAndItsCostShown() throws Exception {
        CliRun clean = CliRun.of("simulate", "--graph", LFS, "-w", "3", "-o", "json");
        CliRun lossy = CliRun.of("simulate", "--graph", LFS, "-w", "3", "--lose-worker", "worker-1@30", "-o", "json");
        assertThat(lossy.exitCode()).as(lossy.err()).isZero();
        JsonNode before = JSON.readTree(clean.out());
        JsonNode after = JSON.readTree(lossy.out());
        assertThat(before.get("requeues").asInt()).isZero();
        assertThat(before.get("lost_runs")).isEmpty();

        // At 30 s worker-1 builds gcc (the clean schedule says so): gcc is requeued, its 30 s minus
        // its start are lost, and the build still finishes, later.
        JsonNode gcc = null;
        for (JsonNode run : before.get("schedule")) {
            if (run.get("id").asText().equals("gcc")) {
                gcc = run;
            }
        }
        assertThat(gcc.get("worker").asText()).isEqualTo("worker-1");
        assertThat(gcc.get("start").asDouble()).isLessThan(30);
        assertThat(gcc.get("end").asDouble()).isGreaterThan(30);
        assertThat(after.get("requeues").asInt()).isEqualTo(1);
        JsonNode lost = after.get("lost_runs").get(0);
        assertThat(lost.get("id").asText()).isEqualTo("gcc");
        assertThat(lost.get("worker").asText()).isEqualTo("worker-1");
        assertThat(lost.get("lost_at").asText()).isEqualTo("30");
        assertThat(lost.get("requeued").asBoolean()).isTrue();
        assertThat(after.get("lost_work_seconds").asDouble())
                .isEqualTo(30 - gcc.get("start").asDouble());
        assertThat(after.get("unbuilt")).isEmpty();
        assertThat(after.get("schedule")).hasSize(80);
        for (JsonNode run : after.get("schedule")) {
            if (run.get("end").asDouble() > 30) {
                assertThat(run.get("worker").asText()).as(run.toString()).isNotEqualTo("worker-1");
            }
        }
        assertThat(after.get("makespan_seconds").asDouble())
                .isGreaterThan(before.get("makespan_seconds").asDouble());

        CliRun text = CliRun.of("simulate", "--graph", LFS, "-w", "3", "--lose-worker", "worker-1@30");
        assertThat(text.out())
                .contains("  lost worker     worker-1 at 30.0 s: cut short gcc")
                .containsPattern("  requeued        1 package, [0-9.]+ s of building lost; makespan [0-9.]+ s "
                        + "against 75.0 s without the loss \\(\\+[0-9.]+ s\\)");
    }

    @Test
    void pastTheRequeueLimitDependentsAreSkippedAndSaidSo() {
        CliRun run =
                CliRun.of("simulate", "--graph", LFS, "-w", "3", "--lose-worker", "worker-1@30", "--max-requeues", "0");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("requeued        0 packages")
                .contains("the build does not finish")
                .contains("  not built       gcc: failed: worker worker-1 lost; given up after 1 attempts")
                .contains("  not built       vim: skipped: needs ");
    }

    @Test
    void theSimulatorsRequeueLimitIsTheCoordinatorsByDefault() {
        int coordinatorDefault = dev.lfsfarm.coordinator.dispatch.DispatchSettings.defaults("x86_64")
                .maxRequeues();
        assertThat(dev.lfsfarm.common.simulate.Simulator.DEFAULT_MAX_REQUEUES).isEqualTo(coordinatorDefault);
        assertThat(new picocli.CommandLine(new SimulateCommand())
                        .getCommandSpec()
                        .findOption("--max-requeues")
                        .defaultValue())
                .isEqualTo(String.valueOf(coordinatorDefault));
        assertThat(new picocli.CommandLine(new dev.lfsfarm.cli.serve.CoordinatorCommand())
                        .getCommandSpec()
                        .findOption("--max-requeues")
                        .defaultValue())
                .as("farm coordinator --max-requeues, unless FARM_MAX_REQUEUES overrides it here")
                .isEqualTo(java.util.Objects.requireNonNullElse(
                        System.getenv("FARM_MAX_REQUEUES"), String.valueOf(coordinatorDefault)));
    }

    @Test
    void badLossesExitTwoAndSayWhatIsWrong() {
        CliRun unknown = CliRun.of("simulate", "--graph", LFS, "-w", "2", "--lose-worker", "worker-3@10");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err())
                .contains("--lose-worker worker-3: no such virtual worker; the farm has worker-1, worker-2")
                .doesNotContain("Exception");
        CliRun malformed = CliRun.of("simulate", "--graph", LFS, "--lose-worker", "worker-1");
        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(malformed.err()).contains("expected NAME@SECONDS");
        CliRun negative = CliRun.of("simulate", "--graph", LFS, "--lose-worker", "worker-1@-5");
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.err()).contains("0 or more");
        CliRun requeues = CliRun.of("simulate", "--graph", LFS, "--max-requeues", "-1");
        assertThat(requeues.exitCode()).isEqualTo(2);
        assertThat(requeues.err()).contains("--max-requeues must be 0 or more, got -1");
    }
}
