package dev.lfsfarm.cli.serve;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.apache.zookeeper.server.persistence.FileTxnSnapLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real standalone ZooKeeper server in this JVM, for {@code farm local}, {@code farm demo} and
 * tests. Its data dir has the layout of ZooKeeper's own ({@code version-2/} with snapshots and
 * transaction logs), so data survives a restart on the same dir. No admin server, no container
 * clean-up thread: it is meant for short-lived farms, not for production.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
    /** ZooKeeper's default; sessions may last 2 to 20 ticks. */
    static final int TICK_MS = 2000;
    /** Per client IP. Every farm process of a demo connects from 127.0.0.1, so ZooKeeper's 60 is too few. */
    static final int MAX_CLIENT_CNXNS = 1000;
    /** In total. Setting any limit also spares every start ZooKeeper's warning that none is set. */
    static final int MAX_CNXNS = 10_000;

    private final ServerCnxnFactory factory;
    private final ZooKeeperServer server;
    private final FileTxnSnapLog snapLog;
    private final String connectString;

    private EmbeddedZooKeeper(ServerCnxnFactory factory, ZooKeeperServer server, FileTxnSnapLog snapLog) {
        this.factory = factory;
        this.server = server;
        this.snapLog = snapLog;
        this.connectString = connectString(factory.getLocalAddress());
    }

    /**
     * Starts a server on {@code bind} (port 0 picks a free port) keeping its data in {@code dataDir}
     * (created if missing). Returns once it accepts clients.
     */
    public static EmbeddedZooKeeper start(InetSocketAddress bind, Path dataDir) throws IOException {
        // The admin server is Jetty on port 8080; the CLI ships without Jetty and needs no second port.
        System.setProperty("zookeeper.admin.enableServer", "false");
        if (System.getProperty("zookeeper.maxCnxns") == null) {
            System.setProperty("zookeeper.maxCnxns", Integer.toString(MAX_CNXNS));
        }
        Path dir = Files.createDirectories(dataDir.toAbsolutePath());
        FileTxnSnapLog snapLog = new FileTxnSnapLog(dir.toFile(), dir.toFile());
        ServerCnxnFactory factory = null;
        try {
            ZooKeeperServer server = new ZooKeeperServer(snapLog, TICK_MS, "");
            factory = ServerCnxnFactory.createFactory(bind, MAX_CLIENT_CNXNS);
            factory.startup(server); // loads the data dir, then starts serving
            EmbeddedZooKeeper zk = new EmbeddedZooKeeper(factory, server, snapLog);
            log.info("ZooKeeper (embedded) serving {} with data in {}", zk.connectString, dir);
            return zk;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutDown(factory, snapLog);
            throw new InterruptedIOException("interrupted while starting ZooKeeper");
        } catch (IOException | RuntimeException e) {
            shutDown(factory, snapLog);
            throw e;
        }
    }

    /** The client port: the one asked for, or the one picked for port 0. */
    public int port() {
        return factory.getLocalPort();
    }

    /** {@code HOST:PORT} for clients: 127.0.0.1 when bound to every interface, else the bound address. */
    public String connectString() {
        return connectString;
    }

    /** Stops serving, then the server (which flushes the transaction log), then closes the data files. */
    @Override
    public void close() {
        factory.shutdown();
        server.shutdown();
        try {
            snapLog.close();
        } catch (IOException e) {
            log.warn("closing the ZooKeeper data files failed: {}", e.toString());
        }
    }

    private static void shutDown(ServerCnxnFactory factory, FileTxnSnapLog snapLog) {
        if (factory != null) {
            factory.shutdown(); // also shuts down the server it started
        }
        try {
            snapLog.close();
        } catch (IOException e) {
            log.debug("closing the ZooKeeper data files after a failed start", e);
        }
    }

    static String connectString(InetSocketAddress bound) {
        InetAddress address = bound.getAddress();
        if (address == null || address.isAnyLocalAddress()) {
            return "127.0.0.1:" + bound.getPort();
        }
        String host = address.getHostAddress();
        return (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + bound.getPort();
    }
}
