package dev.lfsfarm.common.zk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What {@code /farm/leader/active} says: the leader's epoch, where its gRPC server is, where its
 * HTTP (metrics) endpoint is (empty if none), and its name for logs.
 */
public record ActiveLeader(long epoch, String grpcAddress, String httpAddress, String name) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public byte[] toBytes() {
        var node = JSON.createObjectNode()
                .put("epoch", epoch)
                .put("grpc", grpcAddress)
                .put("http", httpAddress)
                .put("name", name);
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses the node's data; empty when it is not a leader record (a foreign or damaged node). */
    public static Optional<ActiveLeader> parse(byte[] data) {
        if (data == null || data.length == 0) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(data);
            if (node == null || !node.hasNonNull("grpc") || !node.hasNonNull("epoch")) {
                return Optional.empty();
            }
            return Optional.of(new ActiveLeader(
                    node.get("epoch").asLong(),
                    node.get("grpc").asText(),
                    node.path("http").asText(""),
                    node.path("name").asText("")));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return grpcAddress + " (epoch " + epoch + (name.isEmpty() ? "" : ", " + name) + ")";
    }
}
