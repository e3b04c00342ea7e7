package dev.lfsfarm.cli.remote;

import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import io.grpc.ManagedChannel;

/** Runs a command's calls against the coordinator with one channel, closed afterwards in order. */
final class RemoteCall {
    private RemoteCall() {}

    /** Work done with a blocking BuildService stub and its channel. */
    @FunctionalInterface
    interface Work<T> {
        T run(BuildServiceGrpc.BuildServiceBlockingStub stub, ManagedChannel channel) throws Exception;
    }

    static <T> T with(CoordinatorOptions coordinator, Work<T> work) throws Exception {
        ManagedChannel channel = coordinator.channel();
        try {
            return work.run(BuildServiceGrpc.newBlockingStub(channel), channel);
        } finally {
            CoordinatorOptions.close(channel);
        }
    }

}
