package dev.lfsfarm.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for processes that must know their port numbers before they start: the members
 * of a {@code farm zk} ensemble name each other's peer and election ports in their flags, and a
 * restarted member must come back on the same client port. (A process that can bind port 0 and
 * report what it got, like the coordinator, should do that instead.)
 *
 * <p>A port found free is only free until the process started later binds it, and in that gap
 * anything else on the host may take it. Two things close the gap. The ports come from outside
 * the kernel's ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range}), which is where
 * every port-0 bind and every outgoing connection of every process on the host gets its port,
 * so no other build or test running beside this one lands on them by chance. And each port is
 * reserved by a lock on a file of its own under {@code java.io.tmpdir}, held until this JVM
 * exits, so two test JVMs on one host (two suites at once) never hand out the same port, and
 * this JVM never hands a port out twice.
 */
final class LoopbackPorts {
    /** Below this, ports belong to well-known services. */
    private static final int LOWEST = 10_000;

    private static final int HIGHEST = 65_535;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    /** The locks that reserve the ports handed out; never released before the JVM exits. */
    private static final List<FileLock> reserved = new ArrayList<>();

    private LoopbackPorts() {}

    /** {@code n} distinct loopback ports, each free when checked and reserved for this JVM. */
    static synchronized int[] free(int n) {
        int[] ephemeral = ephemeralRange();
        List<Integer> candidates = new ArrayList<>();
        for (int port = LOWEST; port <= HIGHEST; port++) {
            if (port < ephemeral[0] || port > ephemeral[1]) {
                candidates.add(port);
            }
        }
        if (candidates.isEmpty()) {
            throw new IllegalStateException("no port outside the ephemeral range " + ephemeral[0] + "-" + ephemeral[1]);
        }
        int[] ports = new int[n];
        int found = 0;
        int start = ThreadLocalRandom.current().nextInt(candidates.size());
        for (int i = 0; i < candidates.size() && found < n; i++) {
            int port = candidates.get((start + i) % candidates.size());
            if (reserve(port)) {
                ports[found++] = port;
            }
        }
        if (found < n) {
            throw new IllegalStateException("only " + found + " of " + n + " loopback ports are free");
        }
        return ports;
    }

    /** Locks the port's file, then checks that nothing listens on the port; true when both hold. */
    private static boolean reserve(int port) {
        FileLock lock = lock(port);
        if (lock == null) {
            return false;
        }
        if (!bindable(port)) {
            release(lock);
            return false;
        }
        reserved.add(lock);
        return true;
    }

    private static FileLock lock(int port) {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "lfsfarm-it-ports-" + System.getProperty("user.name"));
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel =
                    FileChannel.open(dir.resolve(port + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close(); // another JVM holds this port
            }
            return lock;
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel); // this JVM reserved it for an earlier caller
            return null;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot reserve port " + port + " in " + dir, e);
        }
    }

    /** Whether a listener could bind the port on loopback now (without SO_REUSEADDR, so TIME_WAIT counts as taken). */
    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The kernel's ephemeral port range; Linux's default when it cannot be read. */
    private static int[] ephemeralRange() {
        try {
            String[] range = Files.readString(EPHEMERAL_RANGE, StandardCharsets.US_ASCII)
                    .trim()
                    .split("\\s+");
            return new int[] {Integer.parseInt(range[0]), Integer.parseInt(range[1])};
        } catch (IOException | RuntimeException e) {
            return new int[] {32_768, 60_999};
        }
    }

    private static void release(FileLock lock) {
        try {
            lock.release();
        } catch (IOException e) {
            // closing below releases it too
        }
        closeQuietly(lock.channel());
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // only a lock file
            }
        }
    }
}
