package dev.lfsfarm.cli.checkpoint;

import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.CheckpointServiceGrpc;
import dev.lfsfarm.proto.v1.GetCheckpointRequest;
import io.grpc.Channel;

/** The CheckpointService calls the subcommands share. */
final class CheckpointCalls {
    private CheckpointCalls() {}

    static CheckpointServiceGrpc.CheckpointServiceBlockingStub checkpoints(Channel channel) {
        return CheckpointServiceGrpc.newBlockingStub(channel);
    }

    /** The checkpoint called {@code name}, with its entries; NOT_FOUND when there is none. */
    static Checkpoint get(Channel channel, String name) {
        return checkpoints(channel)
                .getCheckpoint(GetCheckpointRequest.newBuilder().setName(name).build())
                .getCheckpoint();
    }
}
