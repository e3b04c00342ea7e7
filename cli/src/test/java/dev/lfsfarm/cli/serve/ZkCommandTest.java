package dev.lfsfarm.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.cli.CliRun;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class ZkCommandTest {
    private static final String ENSEMBLE = "127.0.0.1:12888:13888,127.0.0.1:22888:23888,127.0.0.1:32888:33888";

    @TempDir
    Path dir;

    @AfterEach
    void resetZooKeeperStatics() {
        QuorumPeerConfig.setStandaloneEnabled(true); // a static in ZooKeeper, set by parsing an ensemble config
    }

    /** Runs {@code farm zk --data-dir DIR/zk ARGS} in-process. */
    private CliRun zk(String... args) {
        List<String> full =
                new ArrayList<>(List.of("zk", "--data-dir", dir.resolve("zk").toString()));
        full.addAll(List.of(args));
        return CliRun.of(full.toArray(String[]::new));
    }

    private static void assertUsageError(CliRun run, String flag) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err()).startsWith("farm: error: ").contains(flag);
        assertThat(run.err()).as("no stack trace").doesNotContain("Exception").doesNotContain("\tat ");
    }

    // Each row: the flag the message must name, then the arguments after farm zk --data-dir DIR.
    @ParameterizedTest(name = "{1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "--port       | --port 0",
                "--port       | --port 65536",
                "--port       | --port http",
                "--tick-ms    | --tick-ms 0",
                "--init-limit | --init-limit 0",
                "--sync-limit | --sync-limit -1",
                "--id         | --id 1",
                "--id         | --ensemble a:2888:3888,b:2888:3888,c:2888:3888",
                "--id         | --id 4 --ensemble a:2888:3888,b:2888:3888,c:2888:3888",
                "--id         | --id 0 --ensemble a:2888:3888,b:2888:3888,c:2888:3888",
                "--id         | --id x --ensemble a:2888:3888,b:2888:3888,c:2888:3888",
                "--ensemble   | --id 1 --ensemble a:2888:3888,b:2888,c:2888:3888",
                "--ensemble   | --id 1 --ensemble a:2888:3888,,c:2888:3888",
                "--ensemble   | --id 1 --ensemble a:2888:3888,b:peer:3888,c:2888:3888",
                "--ensemble   | --id 1 --ensemble a:2888:3888,b:2888:70000,c:2888:3888",
                "--ensemble   | --id 1 --ensemble a:2888:2888",
                "--ensemble   | --id 1 --ensemble :2888:3888",
                "--ensemble   | --id 1 --ensemble fd00::1:2888:3888",
                "--ensemble   | --id 1 --ensemble a:2888:3888,a:2888:3999",
                "--port       | --id 1 --port 2888 --ensemble a:2888:3888,b:2888:3888,c:2888:3888",
                "--listen     | --listen no-such-host.invalid",
            })
    void badInputIsOneErrorNamingTheFlag(String flag, String args) throws Exception {
        CliRun run = zk(args.trim().split(" +"));
        assertUsageError(run, flag);
        assertThat(run.err().lines().filter(l -> l.startsWith("farm: error: "))).hasSize(1);
        assertThat(dir.resolve("zk")).as("nothing written for bad input").doesNotExist();
    }

    @Test
    void anEnsembleMemberGetsItsIdInMyIdAndTheServersInOrder() throws Exception {
        QuorumPeerConfig config = command(
                        "--port",
                        "12181",
                        "--listen",
                        "127.0.0.1",
                        "--id",
                        "2",
                        "--ensemble",
                        ENSEMBLE,
                        "--tick-ms",
                        "500")
                .prepare();
        assertThat(Files.readString(dir.resolve("zk/myid")).trim()).isEqualTo("2");
        assertThat(config.isDistributed()).isTrue();
        assertThat(config.getServerId()).isEqualTo(2);
        assertThat(config.getServers()).containsOnlyKeys(1L, 2L, 3L);
        assertThat(config.getServers().get(2L).addr.getReachableOrOne().getPort())
                .isEqualTo(22888);
        assertThat(config.getServers().get(3L).electionAddr.getReachableOrOne().getPort())
                .isEqualTo(33888);
        assertThat(config.getClientPortAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", 12181));
        assertThat(config.getQuorumListenOnAllIPs())
                .as("a specific --listen keeps peers off other interfaces")
                .isFalse();
        assertThat(config.getTickTime()).isEqualTo(500);
        assertThat(config.getInitLimit()).isEqualTo(10);
        assertThat(config.getSyncLimit()).isEqualTo(5);
        assertThat(config.getDataDir().toPath()).isEqualTo(dir.resolve("zk").toAbsolutePath());
        assertThat(Files.readString(dir.resolve("zk/zoo.cfg")))
                .as("the config it runs, for the operator")
                .contains("server.2=127.0.0.1:22888:23888\n")
                .contains("clientPort=12181\n")
                .contains("4lw.commands.whitelist=srvr,ruok,mntr,stat\n")
                .contains("standaloneEnabled=false\n");
    }

    @Test
    void aDataDirOfAnotherMemberIsRefused() throws Exception {
        command("--id", "2", "--ensemble", ENSEMBLE).prepare();

        CliRun run = zk("--id", "3", "--ensemble", ENSEMBLE);

        assertUsageError(run, "--id 3");
        assertThat(run.err()).contains("myid").contains("member 2");
        assertThat(Files.readString(dir.resolve("zk/myid")).trim())
                .as("myid is never rewritten")
                .isEqualTo("2");
    }

    @Test
    void withoutEnsembleItIsStandaloneWithNoMyId() throws Exception {
        QuorumPeerConfig config = command("--port", "12181").prepare();
        assertThat(config.isDistributed()).isFalse();
        assertThat(config.getClientPortAddress().getPort()).isEqualTo(12181);
        assertThat(config.getClientPortAddress().getAddress().isAnyLocalAddress())
                .isTrue();
        assertThat(dir.resolve("zk/myid")).doesNotExist();
    }

    @Test
    void aOneMemberEnsembleRunsStandalone() throws Exception {
        QuorumPeerConfig config =
                command("--id", "1", "--ensemble", "127.0.0.1:2888:3888").prepare();
        assertThat(config.isDistributed()).isFalse();
        assertThat(Files.readString(dir.resolve("zk/myid")).trim()).isEqualTo("1");
    }

    @Test
    void helpShowsEnvironmentExamplesAndWhereProductionZooKeeperComesFrom() {
        CliRun run = CliRun.of("zk", "--help");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("FARM_ZK_PORT", "FARM_ZK_DATA_DIR", "FARM_ZK_ID", "FARM_ZK_ENSEMBLE")
                .contains("zookeeperd")
                .contains("demos, tests and small farms")
                .contains("--ensemble zk1:2888:3888,zk2:2888:3888,zk3:2888:3888");
    }

    private ZkCommand command(String... args) {
        ZkCommand command = new ZkCommand();
        List<String> full =
                new ArrayList<>(List.of("--data-dir", dir.resolve("zk").toString()));
        full.addAll(List.of(args));
        new CommandLine(command).parseArgs(full.toArray(String[]::new));
        return command;
    }
}
