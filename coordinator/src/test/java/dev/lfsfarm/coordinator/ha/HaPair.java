package dev.lfsfarm.coordinator.ha;

import dev.lfsfarm.coordinator.dispatch.DispatchSettings;
import dev.lfsfarm.coordinator.server.CoordinatorServer;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One coordinator of an HA pair on the in-process transport: its own state folder, the shared
 * artifact folder, a real ZooKeeper (curator-test) for the election and the registry.
 */
final class HaPair {
    static final Duration WAIT = Duration.ofSeconds(20);

    private HaPair() {}

    record Node(String name, CoordinatorServer server, ManagedChannel channel) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            channel.shutdownNow();
        }
    }

    static Node start(String zk, Path dir, String name, DispatchSettings settings) throws Exception {
        String address = InProcessServerBuilder.generateName();
        HaSettings ha = new HaSettings(zk, Duration.ofSeconds(4), name, address, "");
        CoordinatorServer server = CoordinatorServer.startHa(
                InProcessServerBuilder.forName(address),
                ha,
                dir.resolve(name),
                dir.resolve("shared-artifacts"),
                settings);
        return new Node(name, server, InProcessChannelBuilder.forName(address).build());
    }

    /** Waits for {@code condition}, failing with {@code what} after {@link #WAIT}. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(20); // polling interval of a deadline-bounded wait
        }
    }
}
