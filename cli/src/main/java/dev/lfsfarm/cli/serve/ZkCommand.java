package dev.lfsfarm.cli.serve;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.UsageException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.server.DatadirCleanupManager;
import org.apache.zookeeper.server.ServerConfig;
import org.apache.zookeeper.server.ZooKeeperServerMain;
import org.apache.zookeeper.server.quorum.QuorumPeerConfig;
import org.apache.zookeeper.server.quorum.QuorumPeerMain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code farm zk}: a ZooKeeper server, standalone or one member of an ensemble, until stopped. */
@Command(
        name = "zk",
        mixinStandardHelpOptions = true,
        description = {
            "Run a ZooKeeper server: standalone, or one member of an ensemble.",
            "For demos, tests and small farms; it runs ZooKeeper's own server classes in",
            "this JVM. A production ensemble is better run from the ZooKeeper distribution",
            "or the distribution package (Debian: zookeeperd); deploy/ha/zk/zoo.cfg is the",
            "same setup for it.",
            "A member's --id is its 1-based position in --ensemble (member 1 is the first",
            "entry), so every member gets the same --ensemble in the same order. The id",
            "is kept in DIR/myid. Each flag can also come from the environment variable",
            "named in its description."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm zk --port 2181 --data-dir /var/lib/farm/zk",
            "  farm zk --port 2181 --data-dir /var/lib/farm/zk --id 2 \\",
            "      --ensemble zk1:2888:3888,zk2:2888:3888,zk3:2888:3888",
            "  FARM_ZK_ID=3 FARM_ZK_ENSEMBLE=zk1:2888:3888,zk2:2888:3888,zk3:2888:3888 \\",
            "      farm zk",
            "",
            "Clients connect to zk1:2181,zk2:2181,zk3:2181. Three members keep working when",
            "one fails. The four-letter commands srvr, ruok, mntr and stat answer on the",
            "client port."
        })
public final class ZkCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ZkCommand.class);
    /** Old snapshots and transaction logs are purged daily, keeping three, as operators set ZooKeeper up. */
    private static final int SNAP_RETAIN_COUNT = 3;

    private static final int PURGE_INTERVAL_HOURS = 24;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "${env:FARM_ZK_PORT:-2181}",
            description = "Client port (FARM_ZK_PORT; default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            defaultValue = "${env:FARM_ZK_DATA_DIR:-farm-zk}",
            description =
                    "Snapshots, transaction logs, myid and the zoo.cfg written from these flags (FARM_ZK_DATA_DIR; default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(
            names = "--listen",
            paramLabel = "HOST",
            defaultValue = "${env:FARM_ZK_LISTEN:-0.0.0.0}",
            description = {
                "Address the client port listens on (FARM_ZK_LISTEN; default: ${DEFAULT-VALUE}, every interface).",
                "With every interface, an ensemble member's peer and election ports also listen on every interface."
            })
    String listen;

    @Option(
            names = "--id",
            paramLabel = "N",
            defaultValue = "${env:FARM_ZK_ID}",
            description = "This member's position in --ensemble, 1-based (FARM_ZK_ID).")
    Integer id;

    @Option(
            names = "--ensemble",
            paramLabel = "HOST:PEER:ELECTION,...",
            defaultValue = "${env:FARM_ZK_ENSEMBLE}",
            description = "Every member, this one included, in the same order on every member (FARM_ZK_ENSEMBLE).")
    String ensemble;

    @Option(
            names = "--tick-ms",
            paramLabel = "MS",
            defaultValue = "${env:FARM_ZK_TICK_MS:-2000}",
            description =
                    "ZooKeeper's time unit; client sessions last 2 to 20 ticks (FARM_ZK_TICK_MS; default: ${DEFAULT-VALUE}).")
    int tickMs;

    @Option(
            names = "--init-limit",
            paramLabel = "TICKS",
            defaultValue = "${env:FARM_ZK_INIT_LIMIT:-10}",
            description =
                    "Ticks a follower may take to connect to and sync with the leader (FARM_ZK_INIT_LIMIT; default: ${DEFAULT-VALUE}).")
    int initLimit;

    @Option(
            names = "--sync-limit",
            paramLabel = "TICKS",
            defaultValue = "${env:FARM_ZK_SYNC_LIMIT:-5}",
            description =
                    "Ticks a follower may lag behind the leader before it is dropped (FARM_ZK_SYNC_LIMIT; default: ${DEFAULT-VALUE}).")
    int syncLimit;

    @Override
    public Integer call() throws Exception {
        QuorumPeerConfig config = prepare();
        DatadirCleanupManager purge = new DatadirCleanupManager(
                config.getDataDir(), config.getDataLogDir(), config.getSnapRetainCount(), config.getPurgeInterval());
        purge.start();
        try {
            return config.isDistributed() ? runMember(config) : runStandalone(config);
        } catch (BindException e) {
            throw new IOException("cannot listen on " + listen + ":" + port + ": " + e.getMessage(), e);
        } finally {
            purge.shutdown();
        }
    }

    /** Checks the flags, logs the resolved config, writes or checks DIR/myid and builds ZooKeeper's config. */
    QuorumPeerConfig prepare() throws IOException {
        ZkEnsemble members = validate();
        InetAddress address = listenAddress();
        Path dir = dataDir.toAbsolutePath();
        log.info(
                "zk config: {} client={}:{} data-dir={} tick={}ms init-limit={} sync-limit={}",
                members == null ? "standalone" : "member " + id + " of " + members.size() + " ensemble=" + members,
                listen,
                port,
                dir,
                tickMs,
                initLimit,
                syncLimit);
        if (members != null) {
            Files.createDirectories(dir);
            checkMyId(dir.resolve("myid"));
        }
        return config(dir, properties(dir, address, members));
    }

    /** Checks every flag before anything is written; returns the ensemble, or null when standalone. */
    ZkEnsemble validate() {
        if (port < 1 || port > 65535) {
            throw new UsageException("--port must be a port number (1-65535), got " + port);
        }
        if (tickMs < 1 || initLimit < 1 || syncLimit < 1) {
            throw new UsageException((tickMs < 1 ? "--tick-ms" : initLimit < 1 ? "--init-limit" : "--sync-limit")
                    + " must be at least 1");
        }
        boolean hasEnsemble = ensemble != null && !ensemble.isBlank();
        if (!hasEnsemble) {
            if (id != null) {
                throw new UsageException("--id " + id + " needs --ensemble (the list of members it is a position in);"
                        + " without both, farm zk runs standalone");
            }
            return null;
        }
        ZkEnsemble members = ZkEnsemble.parse(ensemble);
        if (id == null) {
            throw new UsageException(
                    "--ensemble needs --id N, this member's 1-based position in it (1.." + members.size() + ")");
        }
        ZkEnsemble.Member me = members.member(id);
        if (me.peerPort() == port || me.electionPort() == port) {
            throw new UsageException("--port " + port + " is also a peer or election port of member " + id
                    + " in --ensemble (" + me + ")");
        }
        return members;
    }

    private InetAddress listenAddress() {
        String host = listen.trim().replace("[", "").replace("]", "");
        try {
            if (host.isEmpty()) {
                throw new UnknownHostException(listen);
            }
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new UsageException(
                    "--listen '" + listen + "' is not a host name or address of this host" + " (the port is --port)");
        }
    }

    /** DIR/myid ties a data dir to one member: starting it as another member would corrupt the ensemble. */
    private void checkMyId(Path myIdFile) throws IOException {
        if (!Files.exists(myIdFile)) {
            Files.writeString(myIdFile, id + "\n", StandardCharsets.US_ASCII);
            return;
        }
        String recorded = Files.readString(myIdFile, StandardCharsets.US_ASCII).trim();
        if (!recorded.equals(Integer.toString(id))) {
            throw new UsageException("--id " + id + " does not match " + myIdFile + ", which says '" + recorded
                    + "': this data dir belongs to member " + recorded + " (use that --id, or another --data-dir)");
        }
    }

    /** The same keys as deploy/ha/zk/zoo.cfg, so the two setups stay interchangeable. */
    Properties properties(Path dir, InetAddress address, ZkEnsemble members) {
        Properties p = new Properties();
        p.setProperty("tickTime", Integer.toString(tickMs));
        p.setProperty("initLimit", Integer.toString(initLimit));
        p.setProperty("syncLimit", Integer.toString(syncLimit));
        p.setProperty("dataDir", dir.toString());
        p.setProperty("clientPort", Integer.toString(port));
        p.setProperty("clientPortAddress", address.getHostAddress());
        p.setProperty("maxClientCnxns", Integer.toString(EmbeddedZooKeeper.MAX_CLIENT_CNXNS));
        p.setProperty("autopurge.snapRetainCount", Integer.toString(SNAP_RETAIN_COUNT));
        p.setProperty("autopurge.purgeInterval", Integer.toString(PURGE_INTERVAL_HOURS));
        // Unknown keys become zookeeper.* system properties, which is where ZooKeeper reads these three.
        p.setProperty("maxCnxns", Integer.toString(EmbeddedZooKeeper.MAX_CNXNS));
        p.setProperty("4lw.commands.whitelist", "srvr,ruok,mntr,stat");
        p.setProperty("admin.enableServer", "false");
        // A one-member ensemble is a standalone server: ZooKeeper would log a quorum of one as an error.
        boolean distributed = members != null && members.size() > 1;
        p.setProperty("standaloneEnabled", Boolean.toString(!distributed));
        if (distributed) {
            for (int i = 1; i <= members.size(); i++) {
                p.setProperty("server." + i, members.member(i).toString());
            }
            // A host whose own name resolves to 127.0.1.1 (Debian's /etc/hosts) would otherwise
            // listen for its peers on loopback only.
            p.setProperty("quorumListenOnAllIPs", Boolean.toString(address.isAnyLocalAddress()));
        }
        return p;
    }

    /**
     * Writes DIR/zoo.cfg and has ZooKeeper parse that file: the operator sees exactly what runs,
     * and an ensemble member has the config file ZooKeeper expects (it warns without one).
     */
    private static QuorumPeerConfig config(Path dir, Properties properties) throws IOException {
        StringBuilder text =
                new StringBuilder("# Written by farm zk at every start from its flags; edits here are lost.\n");
        for (String key : new TreeSet<>(properties.stringPropertyNames())) {
            text.append(key).append('=').append(properties.getProperty(key)).append('\n');
        }
        Path file = Files.createDirectories(dir).resolve("zoo.cfg");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        QuorumPeerConfig config = new QuorumPeerConfig();
        try {
            config.parse(file.toString());
        } catch (QuorumPeerConfig.ConfigException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new UsageException("ZooKeeper rejects the configuration in " + file + ": " + cause.getMessage());
        }
        return config;
    }

    private int runStandalone(QuorumPeerConfig config) throws Exception {
        ServerConfig server = new ServerConfig();
        server.readFrom(config);
        ZooKeeperServerMain main = new ZooKeeperServerMain() {
            @Override
            protected void serverStarted() {
                log.info("ZooKeeper standalone serving {}:{}", listen, getClientPort());
            }
        };
        return runUntilStopped(main::close, () -> main.runFromConfig(server));
    }

    private int runMember(QuorumPeerConfig config) throws Exception {
        QuorumPeerMain main = new QuorumPeerMain();
        log.info(
                "ZooKeeper member {} starting; it serves clients on {}:{} once a majority of the {} members elect a leader",
                id,
                listen,
                port,
                config.getServers().size());
        return runUntilStopped(main::close, () -> main.runFromConfig(config));
    }

    /** A server's blocking run method. */
    @FunctionalInterface
    private interface Serving {
        void run() throws Exception;
    }

    /**
     * Runs the server on this thread. SIGTERM shuts it down cleanly (clients and peers see the
     * connection close at once, not after a timeout) and waits until the server has finished.
     */
    private static int runUntilStopped(Runnable shutdown, Serving serving) throws Exception {
        CountDownLatch finished = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Thread hook = new Thread(
                () -> {
                    stopping.set(true);
                    log.info("stopping ZooKeeper");
                    shutdown.run();
                    try {
                        finished.await(15, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "zk-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            serving.run();
        } catch (Exception e) {
            forget(hook); // it did not start: nothing to stop at exit
            throw e;
        } finally {
            finished.countDown();
        }
        if (stopping.get()) {
            return ExitCodes.OK;
        }
        // The server stopped by itself, after an error it logged; a supervisor should restart it.
        forget(hook);
        log.error("ZooKeeper stopped; see the messages above");
        return ExitCodes.FAILURE;
    }

    private static void forget(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down, and the hook runs
        }
    }
}
