package dev.lfsfarm.cli.remote;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/** Where the coordinator is: {@code --coordinator HOST:PORT}, else {@code FARM_COORDINATOR}, else localhost:7070. */
public final class CoordinatorOptions {
    @Option(names = "--coordinator", paramLabel = "HOST:PORT",
            defaultValue = "${env:FARM_COORDINATOR:-localhost:7070}",
            description = "Coordinator address (env FARM_COORDINATOR; default: localhost:7070).")
    String address;

    /** A plaintext channel to the coordinator; close it with {@link #close(ManagedChannel)}. */
    public ManagedChannel channel() {
        return NettyChannelBuilder.forTarget(address.trim()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
    }

    public String address() {
        return address;
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
