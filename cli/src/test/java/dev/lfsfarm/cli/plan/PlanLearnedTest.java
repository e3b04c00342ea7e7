package dev.lfsfarm.cli.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lfsfarm.cli.CliRun;
import dev.lfsfarm.common.testing.BookFixture;
import dev.lfsfarm.coordinator.dispatch.DispatchSettings;
import dev.lfsfarm.coordinator.server.CoordinatorServer;
import dev.lfsfarm.coordinator.state.FileBuildStateStore;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptRecord;
import dev.lfsfarm.proto.v1.PackageHistory;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code farm plan --learned} against a real coordinator whose state holds a package's history. */
class PlanLearnedTest {
    @TempDir
    Path dir;

    @Test
    void learnedDurationsReplaceTheBookWhereTheFarmHasHistory() throws Exception {
        // By the book "b" (5 SBU) is the long one; the farm measured "a" at 8 SBU three times.
        Path book = new BookFixture(dir.resolve("book"))
                .recipe("a", "version: \"1\"\nsbu: 1\nparallel_jobs: 1\nphases: {build: make}\n")
                .recipe("b", "version: \"1\"\nsbu: 5\nparallel_jobs: 1\nphases: {build: make}\n")
                .recipe(
                        "c",
                        "version: \"1\"\nsbu: 1\nparallel_jobs: 1\ndepends: {required: [a]}\nphases: {build: make}\n")
                .root();
        Path state = dir.resolve("state");
        try (FileBuildStateStore store = new FileBuildStateStore(state)) {
            PackageHistory.Builder a = PackageHistory.newBuilder().setPackageId("a");
            for (int i = 0; i < 3; i++) {
                a.addRecords(AttemptRecord.newBuilder()
                        .setPackageId("a")
                        .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED)
                        .setWallSeconds(80)
                        .setSecondsPerSbu(10)
                        .setCores(1)
                        .setWorker("w1")
                        .setBookSbu(1));
                store.historyChanged(a.build());
            }
        }
        try (CoordinatorServer server = CoordinatorServer.start(
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                state,
                dir.resolve("artifacts"),
                DispatchSettings.defaults("x86_64"))) {
            String at = "127.0.0.1:" + server.port();
            CliRun text = CliRun.of(
                    "plan", book.toString(), "--learned", "--coordinator", at, "-w", "1", "--sbu-seconds", "1");
            assertThat(text.exitCode()).as(text.err()).isZero();
            assertThat(text.out())
                    .contains("estimates       1 learned from the history of coordinator " + at + ", 2 from the book")
                    .contains("path            a → c");
            assertThat(text.out()
                            .lines()
                            .filter(l -> l.matches("\\s+1\\s+a\\s.*"))
                            .findFirst()
                            .orElseThrow())
                    .endsWith("learned");
            assertThat(text.out()
                            .lines()
                            .filter(l -> l.matches("\\s+\\d\\s+b\\s.*"))
                            .findFirst()
                            .orElseThrow())
                    .endsWith("book");

            JsonNode json = new ObjectMapper()
                    .readTree(CliRun.of(
                                    "plan",
                                    book.toString(),
                                    "--learned",
                                    "--coordinator",
                                    at,
                                    "-w",
                                    "1",
                                    "--sbu-seconds",
                                    "1",
                                    "-o",
                                    "json")
                            .out());
            assertThat(json.get("estimates").get("a").asText()).isEqualTo("learned");
            assertThat(json.get("estimates").get("b").asText()).isEqualTo("book");
            // one worker, one core: 8 (a, learned) + 5 (b) + 1 (c) seconds in all
            assertThat(json.get("makespan_seconds").asText()).isEqualTo("14");
        }

        CliRun byBook = CliRun.of("plan", book.toString(), "-w", "1", "--sbu-seconds", "1");
        assertThat(byBook.out()).contains("path            b").doesNotContain("estimates");
    }
}
