package dev.lfsfarm.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.cli.CliRun;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --http}: a malformed value is a usage error naming the flag; a port in use is one clear line. */
class HttpFlagTest {

    @Test
    void malformedAddressIsAUsageErrorNamingTheFlag() {
        CliRun coordinator = CliRun.of("coordinator", "--listen", "127.0.0.1:0", "--http", "nonsense");
        assertThat(coordinator.exitCode()).isEqualTo(2);
        assertThat(coordinator.err())
                .contains("farm: error: --http must be HOST:PORT, got 'nonsense'")
                .doesNotContain("Exception");
        CliRun worker = CliRun.of("worker", "--coordinator", "127.0.0.1:1", "--http", "127.0.0.1:70000");
        assertThat(worker.exitCode()).isEqualTo(2);
        assertThat(worker.err()).contains("farm: error: --http: '70000' is not a port number");
    }

    @Test
    void portInUseFailsBeforeTheCoordinatorStarts(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + taken.getLocalPort();
            CliRun run = CliRun.of(
                    "coordinator",
                    "--listen",
                    "127.0.0.1:0",
                    "--http",
                    address,
                    "--state-dir",
                    dir.resolve("state").toString(),
                    "--artifact-dir",
                    dir.resolve("artifacts").toString());
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err())
                    .contains(
                            "farm: failed: --http " + address + ": cannot listen there (the address is already in use)")
                    .doesNotContain("\tat ");
            assertThat(dir.resolve("state")).doesNotExist(); // nothing started
        }
    }
}
