package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.common.leader.CoordinatorLocator;
import dev.lfsfarm.common.leader.LeaderChannel;
import dev.lfsfarm.common.leader.StaticCoordinatorList;
import dev.lfsfarm.common.leader.ZooKeeperLeaderDiscovery;
import dev.lfsfarm.common.zk.ZooKeeperClients;
import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Where the coordinators are: {@code --coordinator a:7070,b:7070} (tried in turn; a standby
 * redirects to the leader) or {@code --zk CONNECT} (the leader as ZooKeeper names it). A flag beats
 * both environment variables; without a flag {@code FARM_ZK} beats {@code FARM_COORDINATOR};
 * without either, localhost:7070. Shared by the remote commands and {@code farm worker}.
 */
public final class CoordinatorOptions {
    static final String DEFAULT_ADDRESS = "localhost:7070";
    /** How long the CLI keeps retrying a coordinator that does not answer (failover, restart) before it exits 3. */
    static final Duration DEFAULT_RETRY_FOR = Duration.ofSeconds(30);
    /** How long one look into ZooKeeper waits for an election before the caller backs off. */
    private static final Duration CLI_WAIT_FOR_LEADER = Duration.ofSeconds(2);

    /** The command this is mixed into: its stderr gets the session's notes. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(
            names = "--coordinator",
            paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Coordinators, tried in turn; a standby redirects to the leader "
                    + "(env FARM_COORDINATOR; default: " + DEFAULT_ADDRESS + ").")
    String coordinators;

    @Option(
            names = "--zk",
            paramLabel = "CONNECT",
            description = "Find the leading coordinator in ZooKeeper instead: HOST:PORT[,HOST:PORT...][/chroot] "
                    + "(env FARM_ZK).")
    String zk;

    /** Where the leader is looked up, and which flag or variable said so (for messages). */
    public record Source(boolean zooKeeper, String value, String origin) {
        /** For messages: "coordinators a:7070,b:7070" or "ZooKeeper zk1:2181". */
        public String describe() {
            return zooKeeper ? "ZooKeeper " + value : (value.contains(",") ? "coordinators " : "coordinator ") + value;
        }
    }

    /** The source from the flags and the process environment; a {@link UsageException} (exit 2) when it is wrong. */
    public Source source() {
        return resolve(coordinators, zk, System::getenv);
    }

    /** The same, with the environment given (tests). */
    static Source resolve(String coordinatorFlag, String zkFlag, Function<String, String> env) {
        if (coordinatorFlag != null && zkFlag != null) {
            throw new UsageException("--coordinator and --zk are mutually exclusive: give the coordinator list or the "
                    + "ZooKeeper ensemble that knows the leader, not both");
        }
        Source source;
        if (zkFlag != null) {
            source = new Source(true, zkFlag.trim(), "--zk");
        } else if (coordinatorFlag != null) {
            source = new Source(false, coordinatorFlag.trim(), "--coordinator");
        } else if (present(env.apply("FARM_ZK"))) {
            source = new Source(true, env.apply("FARM_ZK").trim(), "FARM_ZK");
        } else if (present(env.apply("FARM_COORDINATOR"))) {
            source = new Source(false, env.apply("FARM_COORDINATOR").trim(), "FARM_COORDINATOR");
        } else {
            source = new Source(false, DEFAULT_ADDRESS, "the default");
        }
        String problem = source.zooKeeper()
                ? ZooKeeperClients.problem(source.value())
                : StaticCoordinatorList.problem(source.value());
        if (problem != null) {
            throw new UsageException(source.origin() + ": " + (problem.startsWith("is ") ? "value " : "") + problem);
        }
        return source;
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    /**
     * A locator for the source. {@code waitForLeader} bounds how long one lookup in ZooKeeper waits
     * for an election (unused for a list).
     */
    public CoordinatorLocator locator(Duration waitForLeader) {
        Source source = source();
        return source.zooKeeper()
                ? ZooKeeperLeaderDiscovery.start(source.value(), waitForLeader)
                : StaticCoordinatorList.parse(source.value());
    }

    /**
     * The retry time of CLI sessions: {@link #DEFAULT_RETRY_FOR}, or the system property
     * {@code farm.retry-seconds} (internal: tests shorten it).
     */
    static Duration retryFor() {
        return Duration.ofSeconds(Math.max(0, Long.getLong("farm.retry-seconds", DEFAULT_RETRY_FOR.toSeconds())));
    }

    /** A session of the command: calls retried against the leader for {@link #retryFor()}; notes on its stderr. */
    CoordinatorSession open() {
        return open(command.commandLine().getErr());
    }

    /** The same with notes to {@code err}. */
    CoordinatorSession open(PrintWriter err) {
        Source source = source();
        if (source.zooKeeper()) {
            quietZooKeeperClient();
        }
        return new CoordinatorSession(LeaderChannel.open(locator(CLI_WAIT_FOR_LEADER)), source, err, retryFor());
    }

    /**
     * A one-shot command must not print the ZooKeeper client's reconnect warnings over its own
     * output; the session says in one line what failed. FARM_LOG_LEVEL brings them back.
     */
    private static void quietZooKeeperClient() {
        if (System.getenv("FARM_LOG_LEVEL") != null) {
            return;
        }
        for (String name : new String[] {"org.apache.zookeeper", "org.apache.curator"}) {
            if (org.slf4j.LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
                logger.setLevel(ch.qos.logback.classic.Level.OFF);
            }
        }
    }

    /** Stops accepting calls, waits briefly for in-flight ones, then forces the channel down. */
    public static void close(ManagedChannel channel) {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
