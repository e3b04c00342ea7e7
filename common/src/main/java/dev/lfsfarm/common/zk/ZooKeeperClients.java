package dev.lfsfarm.common.zk;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

/** Curator clients for the farm, all made the same way: one retry policy, one connect-string check. */
public final class ZooKeeperClients {
    /** host:port[,host:port...][/chroot]; hosts may be names, IPv4 or [IPv6]. */
    private static final Pattern CONNECT = Pattern.compile(
            "(?:[A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+\\]):\\d{1,5}(?:,(?:[A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:.]+\\]):\\d{1,5})*(?:/[^/\\s][^\\s]*)?");

    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);

    private ZooKeeperClients() {}

    /** Why {@code connect} is not a connect string, or null when it is one. */
    public static String problem(String connect) {
        if (connect == null || connect.isBlank()) {
            return "is empty; expected HOST:PORT[,HOST:PORT...][/chroot]";
        }
        if (!CONNECT.matcher(connect.trim()).matches()) {
            return "'" + connect + "' is not HOST:PORT[,HOST:PORT...][/chroot]";
        }
        return null;
    }

    /**
     * A started client. Operations retry with backoff for about the session timeout, so a leader's
     * write either lands or fails while its session could still be valid; it never hangs forever.
     */
    public static CuratorFramework start(String connect, Duration sessionTimeout) {
        String problem = problem(connect);
        if (problem != null) {
            throw new IllegalArgumentException("ZooKeeper connect string " + problem);
        }
        int session = (int) sessionTimeout.toMillis();
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connect.trim())
                .sessionTimeoutMs(session)
                .connectionTimeoutMs(Math.min(session, 5_000))
                .retryPolicy(new ExponentialBackoffRetry(100, 6, 1_000))
                .build();
        client.start();
        return client;
    }

    /** Waits for the first connection; false if none within {@code timeout}. */
    public static boolean awaitConnected(CuratorFramework client, Duration timeout) throws InterruptedException {
        return client.blockUntilConnected((int) timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
