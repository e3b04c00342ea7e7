package dev.lfsfarm.common.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.artifact.ArtifactPacker;
import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.proto.v1.ArtifactServiceGrpc;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.CheckpointEntry;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.DownloadRequest;
import dev.lfsfarm.proto.v1.DownloadResponse;
import dev.lfsfarm.proto.v1.Manifest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verify and restore against an ArtifactService that serves blobs from a map, over a real channel. */
class CheckpointVerifierTest {
    @TempDir
    Path tmp;

    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws IOException {
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(new ArtifactServiceGrpc.ArtifactServiceImplBase() {
                    @Override
                    public void download(DownloadRequest request, StreamObserver<DownloadResponse> out) {
                        byte[] blob = blobs.get(request.getDigest().getSha256());
                        if (blob == null) {
                            out.onError(Status.NOT_FOUND
                                    .withDescription("no such blob")
                                    .asRuntimeException());
                            return;
                        }
                        out.onNext(DownloadResponse.newBuilder()
                                .setOffset(0)
                                .setData(ByteString.copyFrom(blob))
                                .build());
                        out.onCompleted();
                    }
                })
                .build()
                .start();
        channel = Grpc.newChannelBuilder("localhost:" + server.getPort(), InsecureChannelCredentials.create())
                .build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Packs {@code files} (path to content) as one package's artifact and stores it and its manifest. */
    private CheckpointEntry stored(String id, Map<String, String> files) throws IOException {
        Path dest = tmp.resolve("dest-" + id);
        for (var f : files.entrySet()) {
            Path file = dest.resolve(f.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, f.getValue());
        }
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        Manifest manifest = ArtifactPacker.pack(dest, tar);
        Digest artifact = put(tar.toByteArray());
        Digest manifestDigest =
                put(manifest.toBuilder().setArtifact(artifact).build().toByteArray());
        return CheckpointEntry.newBuilder()
                .setPackageId(id)
                .setVersion("1.0")
                .setArtifact(artifact)
                .setManifest(manifestDigest)
                .build();
    }

    private Digest put(byte[] blob) {
        Digest digest = Sha256.digest(blob);
        blobs.put(digest.getSha256(), blob);
        return digest;
    }

    @Test
    void aCheckpointWhoseBlobsMatchVerifiesAndRestoresInOrder() throws IOException {
        Checkpoint checkpoint = Checkpoint.newBuilder()
                .setName("ch7")
                .addEntries(stored("a", Map.of("usr/share/a.txt", "first", "etc/shared", "from a")))
                .addEntries(stored("b", Map.of("usr/share/b.txt", "second", "etc/shared", "from b")))
                .build();

        List<EntryVerification> found = new CheckpointVerifier(new ArtifactClient(channel)).verify(checkpoint);

        assertThat(found).hasSize(2).allMatch(EntryVerification::passed);

        Path target = tmp.resolve("sysroot");
        RestoreSummary summary = new CheckpointRestorer(new ArtifactClient(channel)).restore(checkpoint, target);

        assertThat(Files.readString(target.resolve("etc/shared"), StandardCharsets.UTF_8))
                .as("a later package's file replaces an earlier one's")
                .isEqualTo("from b");
        assertThat(summary.packages()).isEqualTo(2);
        assertThat(summary.files()).isEqualTo(3);
        assertThat(summary.fileBytes()).isEqualTo("first".length() + "second".length() + "from b".length());
    }

    @Test
    void aMissingArtifactOrManifestIsAProblemOfItsEntryNotAnError() throws IOException {
        CheckpointEntry good = stored("good", Map.of("f", "x"));
        CheckpointEntry noArtifact = stored("gone", Map.of("g", "y"));
        blobs.remove(noArtifact.getArtifact().getSha256());
        CheckpointEntry noManifest =
                stored("bare", Map.of("h", "z")).toBuilder().clearManifest().build();
        Checkpoint checkpoint = Checkpoint.newBuilder()
                .addEntries(good)
                .addEntries(noArtifact)
                .addEntries(noManifest)
                .build();

        List<EntryVerification> found = new CheckpointVerifier(new ArtifactClient(channel)).verify(checkpoint);

        assertThat(found.get(0).passed()).isTrue();
        assertThat(found.get(1).problems())
                .singleElement()
                .asString()
                .startsWith("artifact sha256:" + noArtifact.getArtifact().getSha256() + ": ");
        assertThat(found.get(2).problems())
                .containsExactly("no manifest was recorded for this artifact; its files cannot be checked");
    }

    @Test
    void aFileThatDiffersFromTheManifestIsReported() throws IOException {
        CheckpointEntry entry = stored("pkg", Map.of("usr/bin/tool", "original"));
        // The manifest of another tree, claiming to describe this artifact.
        Path other = Files.createDirectories(tmp.resolve("other/usr/bin"));
        Files.writeString(other.resolve("tool"), "changed!");
        Manifest lie = ArtifactPacker.pack(tmp.resolve("other"), new ByteArrayOutputStream()).toBuilder()
                .setArtifact(entry.getArtifact())
                .build();
        entry = entry.toBuilder().setManifest(put(lie.toByteArray())).build();

        List<String> problems = new CheckpointVerifier(new ArtifactClient(channel)).check(entry);

        assertThat(problems).isNotEmpty().anyMatch(p -> p.contains("usr/bin/tool"));
    }
}
