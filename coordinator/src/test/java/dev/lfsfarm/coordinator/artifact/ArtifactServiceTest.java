package dev.lfsfarm.coordinator.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.coordinator.artifact.CallProbe.Event;
import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.ArtifactKind;
import dev.lfsfarm.proto.v1.ArtifactServiceGrpc;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.DownloadRequest;
import dev.lfsfarm.proto.v1.DownloadResponse;
import dev.lfsfarm.proto.v1.FindMissingRequest;
import dev.lfsfarm.proto.v1.FindMissingResponse;
import dev.lfsfarm.proto.v1.GetActionResultRequest;
import dev.lfsfarm.proto.v1.UpdateActionResultRequest;
import dev.lfsfarm.proto.v1.UploadHeader;
import dev.lfsfarm.proto.v1.UploadRequest;
import dev.lfsfarm.proto.v1.UploadResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ArtifactService and ArtifactClient over the in-process transport, against a store in a temp folder. */
class ArtifactServiceTest {

    private static final int MIB = 1024 * 1024;
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path tmp;

    private Path storeDir;
    private ArtifactStore store;
    private CallProbe probe;
    private Server server;
    private ManagedChannel channel;
    private ArtifactClient client;
    private ArtifactServiceGrpc.ArtifactServiceStub async;
    private ArtifactServiceGrpc.ArtifactServiceBlockingStub blocking;

    @BeforeEach
    void start() throws IOException {
        storeDir = tmp.resolve("store");
        store = new ArtifactStore(storeDir);
        probe = new CallProbe();
        String name = InProcessServerBuilder.generateName();
        ArtifactServiceImpl service = new ArtifactServiceImpl(store, Clock.fixed(NOW, ZoneOffset.UTC));
        server = InProcessServerBuilder.forName(name)
                .addService(ServerInterceptors.intercept(service, probe))
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).build();
        client = new ArtifactClient(channel);
        async = ArtifactServiceGrpc.newStub(channel);
        blocking = ArtifactServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow();
        assertThat(channel.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(server.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    // ---- happy paths -------------------------------------------------------------------------

    @Test
    void uploadAndDownloadAMultiMebibyteBlob() throws Exception {
        byte[] data = random(5 * MIB + 123, 1);
        Path file = Files.write(tmp.resolve("artifact.tar.gz"), data);

        Digest digest = client.upload(file, ArtifactKind.ARTIFACT_KIND_PACKAGE);

        assertThat(digest).isEqualTo(Sha256.digest(data));
        assertThat(store.contains(digest)).isTrue();
        Path copy = tmp.resolve("down/copy.tar.gz");
        client.download(digest, copy);
        assertThat(Files.readAllBytes(copy)).isEqualTo(data);
        assertThat(Files.list(copy.getParent()).collect(Collectors.toList())).containsExactly(copy);
        assertThat(storeFiles("tmp")).isEmpty();
    }

    @Test
    void uploadSkipsABlobTheStoreHolds() throws Exception {
        byte[] data = random(1000, 2);
        Path file = Files.write(tmp.resolve("blob"), data);
        client.upload(file, ArtifactKind.ARTIFACT_KIND_SOURCE);
        assertThat(probe.methods).containsExactly("FindMissing", "Upload");

        assertThat(client.upload(file, ArtifactKind.ARTIFACT_KIND_SOURCE)).isEqualTo(Sha256.digest(data));

        assertThat(probe.methods).containsExactly("FindMissing", "Upload", "FindMissing");
    }

    @Test
    void emptyBlobRoundTrip() throws Exception {
        Path file = Files.createFile(tmp.resolve("empty"));

        Digest digest = client.upload(file, ArtifactKind.ARTIFACT_KIND_LOG);
        client.download(digest, tmp.resolve("empty-copy"));

        assertThat(digest.getSizeBytes()).isZero();
        assertThat(tmp.resolve("empty-copy")).isEmptyFile();
        Iterator<DownloadResponse> chunks =
                blocking.download(DownloadRequest.newBuilder().setDigest(digest).build());
        assertThat(chunks.next().getData().isEmpty()).isTrue();
        assertThat(chunks.hasNext()).isFalse();
    }

    @Test
    void findMissingReportsAbsentDigestsOnceInRequestOrder() throws Exception {
        Digest present = put(random(10, 3));
        Digest absentA = Sha256.digest(random(10, 4));
        Digest absentB = Sha256.digest(random(10, 5));
        Digest wrongSize = present.toBuilder().setSizeBytes(11).build();

        List<Digest> missing = client.findMissing(List.of(absentB, present, absentA, absentB, wrongSize));

        assertThat(missing).containsExactly(absentB, absentA, wrongSize);
    }

    @Test
    void downloadHonoursOffsetAndLimit() throws Exception {
        byte[] data = random(3 * MIB, 6);
        Digest digest = put(data);
        long offset = MIB + 5;

        List<DownloadResponse> chunks = new ArrayList<>();
        blocking.download(DownloadRequest.newBuilder()
                        .setDigest(digest)
                        .setOffset(offset)
                        .setLimit(MIB + 100)
                        .build())
                .forEachRemaining(chunks::add);

        assertThat(chunks).extracting(DownloadResponse::getOffset).containsExactly(offset, offset + MIB);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (DownloadResponse c : chunks) {
            assertThat(c.getData().size()).isLessThanOrEqualTo(MIB);
            c.getData().writeTo(got);
        }
        assertThat(got.toByteArray()).isEqualTo(Arrays.copyOfRange(data, (int) offset, (int) offset + MIB + 100));
    }

    @Test
    void downloadSendsOnlyWhatTheClientAsksFor() throws Exception {
        Digest digest = put(random(8 * MIB, 7));
        AtomicInteger received = new AtomicInteger();
        CompletableFuture<ClientCallStreamObserver<DownloadRequest>> first = new CompletableFuture<>();
        CompletableFuture<Void> done = new CompletableFuture<>();

        async.download(
                DownloadRequest.newBuilder().setDigest(digest).build(),
                new ClientResponseObserver<DownloadRequest, DownloadResponse>() {
                    private ClientCallStreamObserver<DownloadRequest> call;

                    @Override
                    public void beforeStart(ClientCallStreamObserver<DownloadRequest> requestStream) {
                        call = requestStream;
                        requestStream.disableAutoRequestWithInitial(1);
                    }

                    @Override
                    public void onNext(DownloadResponse value) {
                        if (received.incrementAndGet() == 1) {
                            first.complete(call);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        first.completeExceptionally(t);
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });

        // The service method has returned and the one requested chunk arrived: a server that
        // ignored flow control would have queued all 8 chunks by now.
        probe.await(Event.HALF_CLOSE, 1);
        ClientCallStreamObserver<DownloadRequest> call = first.get(10, TimeUnit.SECONDS);
        assertThat(probe.sent.get()).isEqualTo(1);

        call.request(7);
        done.get(30, TimeUnit.SECONDS);
        assertThat(received.get()).isEqualTo(8);
        assertThat(probe.sent.get()).isEqualTo(8);
    }

    @Test
    void clientUploadSendsOnlyWhatTheServerAsksFor() throws Exception {
        byte[] data = random(4 * MIB, 25);
        Path file = Files.write(tmp.resolve("slow.tar.gz"), data);
        AtomicInteger clientSent = new AtomicInteger();
        CompletableFuture<ServerCallStreamObserver<UploadResponse>> firstMessage = new CompletableFuture<>();
        AtomicInteger serverReceived = new AtomicInteger();
        String name = InProcessServerBuilder.generateName();
        Server slow = InProcessServerBuilder.forName(name)
                .addService(new ArtifactServiceGrpc.ArtifactServiceImplBase() {
                    @Override
                    public void findMissing(FindMissingRequest request, StreamObserver<FindMissingResponse> responses) {
                        responses.onNext(FindMissingResponse.newBuilder()
                                .addAllMissing(request.getDigestsList())
                                .build());
                        responses.onCompleted();
                    }

                    @Override
                    public StreamObserver<UploadRequest> upload(StreamObserver<UploadResponse> responses) {
                        ServerCallStreamObserver<UploadResponse> call =
                                (ServerCallStreamObserver<UploadResponse>) responses;
                        call.disableAutoRequest();
                        call.request(1);
                        return new StreamObserver<>() {
                            private Digest digest;

                            @Override
                            public void onNext(UploadRequest request) {
                                if (request.hasHeader()) {
                                    digest = request.getHeader().getDigest();
                                }
                                if (serverReceived.incrementAndGet() == 1) {
                                    firstMessage.complete(call);
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                                firstMessage.completeExceptionally(t);
                            }

                            @Override
                            public void onCompleted() {
                                responses.onNext(UploadResponse.newBuilder()
                                        .setDigest(digest)
                                        .build());
                                responses.onCompleted();
                            }
                        };
                    }
                })
                .build()
                .start();
        ManagedChannel slowChannel = InProcessChannelBuilder.forName(name)
                .intercept(new ClientInterceptor() {
                    @Override
                    public <Q, R> ClientCall<Q, R> interceptCall(
                            MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                            @Override
                            public void sendMessage(Q message) {
                                if (message instanceof UploadRequest) {
                                    clientSent.incrementAndGet();
                                }
                                super.sendMessage(message);
                            }
                        };
                    }
                })
                .build();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Digest> upload =
                    pool.submit(() -> new ArtifactClient(slowChannel).upload(file, ArtifactKind.ARTIFACT_KIND_PACKAGE));

            ServerCallStreamObserver<UploadResponse> call = firstMessage.get(10, TimeUnit.SECONDS);
            // The server asked for one message; a client ignoring flow control would be sending all 5.
            assertThat(clientSent.get()).isEqualTo(1);
            call.request(4);

            assertThat(upload.get(30, TimeUnit.SECONDS)).isEqualTo(Sha256.digest(data));
            assertThat(serverReceived.get()).isEqualTo(5);
        } finally {
            pool.shutdownNow();
            slowChannel.shutdownNow();
            slow.shutdownNow();
            assertThat(slowChannel.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(slow.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void actionCacheRoundTripFirstWriterWins() throws Exception {
        Digest artifact = put(random(100, 8));
        Digest manifest = put(random(50, 9));
        String key = Sha256.of("inputs of zlib".getBytes(StandardCharsets.UTF_8));
        ActionResult first = ActionResult.newBuilder()
                .setArtifact(artifact)
                .setManifest(manifest)
                .setPackageId("zlib")
                .setVersion("1.3.1")
                .setWorker("w1")
                .build();

        assertThat(client.getAction(key)).isEmpty();
        assertThat(client.putAction(key, first)).isTrue();
        assertThat(client.putAction(key, first.toBuilder().setWorker("w2").build()))
                .isFalse();

        ActionResult stored = client.getAction(key).orElseThrow();
        assertThat(stored.getWorker()).isEqualTo("w1");
        assertThat(stored.getActionKey()).isEqualTo(key);
        assertThat(stored.getCreatedAt())
                .isEqualTo(
                        Timestamp.newBuilder().setSeconds(NOW.getEpochSecond()).build());
    }

    // ---- concurrency and partial uploads -----------------------------------------------------

    @Test
    void cancelledUploadLeavesNothingVisible() throws Exception {
        byte[] data = random(3 * MIB, 10);
        Digest digest = Sha256.digest(data);
        Reply<UploadResponse> reply = new Reply<>();
        ClientCallStreamObserver<UploadRequest> upload = (ClientCallStreamObserver<UploadRequest>) async.upload(reply);
        upload.onNext(header(digest));
        upload.onNext(data(data, 0, MIB));
        probe.await(Event.MESSAGE, 2);
        assertThat(storeFiles("tmp")).hasSize(1); // the partial upload exists, but only as a temporary file

        upload.cancel("client gave up", null);

        probe.await(Event.CANCEL, 1);
        assertThat(storeFiles("tmp")).isEmpty();
        assertThat(storeFiles("cas")).isEmpty();
        assertThat(store.contains(digest)).isFalse();
        assertThat(reply.error().getCode()).isEqualTo(Status.Code.CANCELLED);
    }

    @Test
    void concurrentUploadsOfTheSameBlobBothSucceedAndStoreOneFile() throws Exception {
        byte[] data = random(2 * MIB + 7, 11);
        Digest digest = Sha256.digest(data);
        List<Reply<UploadResponse>> replies = List.of(new Reply<>(), new Reply<>());
        List<StreamObserver<UploadRequest>> uploads = new ArrayList<>();
        for (Reply<UploadResponse> reply : replies) {
            StreamObserver<UploadRequest> upload = async.upload(reply);
            upload.onNext(header(digest));
            for (int off = 0; off < data.length; off += MIB) {
                upload.onNext(data(data, off, Math.min(MIB, data.length - off)));
            }
            uploads.add(upload);
        }
        probe.await(Event.MESSAGE, 2 * 4); // both streams fully received before either completes
        assertThat(storeFiles("tmp")).hasSize(2);

        uploads.forEach(StreamObserver::onCompleted);

        for (Reply<UploadResponse> reply : replies) {
            assertThat(reply.value().getDigest()).isEqualTo(digest);
        }
        assertThat(storeFiles("cas")).hasSize(1);
        assertThat(storeFiles("tmp")).isEmpty();
        assertThat(Files.readAllBytes(store.path(digest.getSha256()).orElseThrow()))
                .isEqualTo(data);
    }

    @Test
    void concurrentClientUploadsOfTheSameFile() throws Exception {
        byte[] data = random(MIB + 3, 12);
        Path file = Files.write(tmp.resolve("shared.tar.gz"), data);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Digest>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                results.add(pool.submit(() -> client.upload(file, ArtifactKind.ARTIFACT_KIND_PACKAGE)));
            }
            for (Future<Digest> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo(Sha256.digest(data));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(storeFiles("cas")).hasSize(1);
        assertThat(storeFiles("tmp")).isEmpty();
    }

    @Test
    void uploadOfAPresentBlobIsAnsweredAtTheHeader() throws Exception {
        byte[] data = random(2 * MIB, 13);
        Digest digest = put(data);
        Reply<UploadResponse> reply = new Reply<>();
        StreamObserver<UploadRequest> upload = async.upload(reply);

        upload.onNext(header(digest));

        UploadResponse response = reply.value();
        assertThat(response.getAlreadyPresent()).isTrue();
        assertThat(response.getDigest()).isEqualTo(digest);
    }

    // ---- error statuses ----------------------------------------------------------------------

    @Test
    void wrongDigestIsDataLossNamingBothDigests() throws Exception {
        byte[] announced = random(1000, 14);
        byte[] sent = random(1000, 15);
        Digest digest = Sha256.digest(announced);

        Status status = upload(header(digest), data(sent, 0, sent.length));

        assertThat(status.getCode()).isEqualTo(Status.Code.DATA_LOSS);
        assertThat(status.getDescription())
                .contains(digest.getSha256())
                .contains(Sha256.of(sent))
                .contains("nothing stored");
        assertThat(storeFiles("cas")).isEmpty();
        assertThat(storeFiles("tmp")).isEmpty();
    }

    @Test
    void fewerBytesThanAnnouncedIsDataLoss() throws Exception {
        byte[] data = random(1000, 16);

        Status status = upload(header(Sha256.digest(data)), data(data, 0, 999));

        assertThat(status.getCode()).isEqualTo(Status.Code.DATA_LOSS);
        assertThat(status.getDescription()).contains("999 bytes").contains("1000 bytes");
        assertThat(storeFiles("tmp")).isEmpty();
    }

    @Test
    void missingOrMisplacedHeaderIsInvalidArgument() throws Exception {
        byte[] data = random(100, 17);
        Digest digest = Sha256.digest(data);

        assertInvalid(upload(data(data, 0, 100)), "the first message must be a header");
        assertInvalid(upload(), "ended without a header");
        assertInvalid(upload(header(digest), header(digest)), "a later message is a header");
        assertInvalid(
                upload(UploadRequest.newBuilder()
                        .setHeader(UploadHeader.newBuilder().setDigest(digest))
                        .build()),
                "header.kind is not set");
        assertInvalid(
                upload(UploadRequest.newBuilder()
                        .setHeader(UploadHeader.newBuilder().setKind(ArtifactKind.ARTIFACT_KIND_PACKAGE))
                        .build()),
                "header.digest is not set");
        assertInvalid(
                upload(header(digest.toBuilder().setSha256("ABC").build())),
                "header.digest.sha256 must be 64 lower-case hex");
        assertInvalid(
                upload(header(digest), data(data, 0, 100), data(data, 0, 1)), "more than header.digest.size_bytes");
        assertInvalid(
                upload(header(digest.toBuilder().setSizeBytes(2L * MIB).build()), data(new byte[MIB + 1], 0, MIB + 1)),
                "1 byte to 1 MiB");
        assertThat(storeFiles("tmp")).isEmpty();
        assertThat(storeFiles("cas")).isEmpty();
    }

    @Test
    void malformedDigestInFindMissingIsInvalidArgument() {
        Digest good = Sha256.digest(new byte[1]);
        FindMissingRequest request = FindMissingRequest.newBuilder()
                .addDigests(good)
                .addDigests(good.toBuilder().setSha256("xyz"))
                .build();

        assertThatThrownBy(() -> blocking.findMissing(request))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription())
                            .contains("digests[1].sha256")
                            .contains("'xyz'");
                });
    }

    @Test
    void unknownDownloadIsNotFound() throws IOException {
        Digest unknown = Sha256.digest(random(10, 18));

        assertThatThrownBy(() -> client.download(unknown, tmp.resolve("never")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription())
                            .contains(unknown.getSha256())
                            .contains("not in the store");
                });
        assertThat(tmp.resolve("never")).doesNotExist();
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }

    @Test
    void downloadBeyondTheEndIsOutOfRange() throws Exception {
        Digest digest = put(random(100, 19));

        assertStatus(
                () -> blocking.download(DownloadRequest.newBuilder()
                                .setDigest(digest)
                                .setOffset(101)
                                .build())
                        .hasNext(),
                Status.Code.OUT_OF_RANGE,
                "offset 101 is beyond the end");
        assertStatus(
                () -> blocking.download(DownloadRequest.newBuilder()
                                .setDigest(digest)
                                .setOffset(50)
                                .setLimit(51)
                                .build())
                        .hasNext(),
                Status.Code.OUT_OF_RANGE,
                "offset 50 + limit 51 exceeds");
    }

    @Test
    void corruptStoredBlobIsDataLossAndRemoved() throws Exception {
        byte[] data = random(MIB + 10, 20);
        Digest digest = put(data);
        Path blob = store.path(digest.getSha256()).orElseThrow();
        Files.setAttribute(blob, "unix:mode", 0644);
        data[7] ^= 1;
        Files.write(blob, data);

        assertStatus(
                () -> blocking.download(
                                DownloadRequest.newBuilder().setDigest(digest).build())
                        .forEachRemaining(c -> {}),
                Status.Code.DATA_LOSS,
                "failed verification");
        assertThat(store.contains(digest.getSha256())).isFalse();
        assertThat(client.findMissing(List.of(digest))).containsExactly(digest);
    }

    @Test
    void unknownActionIsNotFound() {
        String key = "0".repeat(64);

        assertThat(client.getAction(key)).isEmpty();
        assertStatus(
                () -> blocking.getActionResult(
                        GetActionResultRequest.newBuilder().setActionKey(key).build()),
                Status.Code.NOT_FOUND,
                "no action cache entry for key " + key);
        assertStatus(
                () -> blocking.getActionResult(
                        GetActionResultRequest.newBuilder().setActionKey("zlib").build()),
                Status.Code.INVALID_ARGUMENT,
                "action_key must be 64 lower-case hex");
    }

    @Test
    void actionWhoseArtifactIsGoneIsNotFound() throws Exception {
        Digest artifact = put(random(100, 21));
        Digest manifest = put(random(50, 22));
        String key = "1".repeat(64);
        client.putAction(
                key,
                ActionResult.newBuilder()
                        .setArtifact(artifact)
                        .setManifest(manifest)
                        .build());
        store.remove(artifact.getSha256());

        assertStatus(
                () -> blocking.getActionResult(
                        GetActionResultRequest.newBuilder().setActionKey(key).build()),
                Status.Code.NOT_FOUND,
                artifact.getSha256() + " (100 bytes), which is no longer in the store");
    }

    @Test
    void updateActionResultWithAMissingArtifactIsFailedPrecondition() throws Exception {
        Digest manifest = put(random(50, 23));
        Digest missing = Sha256.digest(random(100, 24));
        ActionResult result = ActionResult.newBuilder()
                .setActionKey("2".repeat(64))
                .setArtifact(missing)
                .setManifest(manifest)
                .build();

        assertStatus(
                () -> blocking.updateActionResult(
                        UpdateActionResultRequest.newBuilder().setResult(result).build()),
                Status.Code.FAILED_PRECONDITION,
                "result.artifact sha256:" + missing.getSha256() + " (100 bytes) is not in the store");
        assertStatus(
                () -> blocking.updateActionResult(UpdateActionResultRequest.newBuilder()
                        .setResult(result.toBuilder().clearManifest())
                        .build()),
                Status.Code.INVALID_ARGUMENT,
                "result.manifest is not set");
        assertThat(store.getAction("2".repeat(64))).isEmpty();
    }

    @Test
    void clientRefusesABlobThatDoesNotMatchItsDigest() throws Exception {
        byte[] right = "right bytes".getBytes(StandardCharsets.UTF_8);
        byte[] wrong = "wrong bytes".getBytes(StandardCharsets.UTF_8);
        String name = InProcessServerBuilder.generateName();
        Server lying = InProcessServerBuilder.forName(name)
                .addService(new ArtifactServiceGrpc.ArtifactServiceImplBase() {
                    @Override
                    public void download(DownloadRequest request, StreamObserver<DownloadResponse> responses) {
                        responses.onNext(DownloadResponse.newBuilder()
                                .setData(ByteString.copyFrom(wrong))
                                .build());
                        responses.onCompleted();
                    }
                })
                .build()
                .start();
        ManagedChannel lyingChannel = InProcessChannelBuilder.forName(name).build();
        try {
            Path target = tmp.resolve("out/blob");
            assertThatThrownBy(() -> new ArtifactClient(lyingChannel).download(Sha256.digest(right), target))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(Sha256.of(right))
                    .hasMessageContaining(Sha256.of(wrong));
            try (Stream<Path> s = Files.list(target.getParent())) {
                assertThat(s).isEmpty();
            }
        } finally {
            lyingChannel.shutdownNow();
            lying.shutdownNow();
            assertThat(lyingChannel.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(lying.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** Collects a call's outcome; waits at most 10 s. */
    static final class Reply<T> implements StreamObserver<T> {
        private final List<T> values = new CopyOnWriteArrayList<>();
        private final CompletableFuture<List<T>> done = new CompletableFuture<>();

        @Override
        public void onNext(T value) {
            values.add(value);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            done.complete(values);
        }

        T value() throws Exception {
            List<T> all = done.get(10, TimeUnit.SECONDS);
            assertThat(all).hasSize(1);
            return all.get(0);
        }

        Status error() throws Exception {
            try {
                done.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                return Status.fromThrowable(e.getCause());
            }
            throw new AssertionError("call succeeded: " + values);
        }
    }

    private Status upload(UploadRequest... messages) throws Exception {
        Reply<UploadResponse> reply = new Reply<>();
        StreamObserver<UploadRequest> upload = async.upload(reply);
        for (UploadRequest m : messages) {
            upload.onNext(m);
        }
        upload.onCompleted();
        return reply.error();
    }

    private static void assertInvalid(Status status, String text) {
        assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains(text);
    }

    private static void assertStatus(
            org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Status.Code code, String text) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(text);
        });
    }

    private static UploadRequest header(Digest digest) {
        return UploadRequest.newBuilder()
                .setHeader(UploadHeader.newBuilder()
                        .setDigest(digest)
                        .setKind(ArtifactKind.ARTIFACT_KIND_PACKAGE)
                        .setOrigin("test"))
                .build();
    }

    private static UploadRequest data(byte[] bytes, int offset, int length) {
        return UploadRequest.newBuilder()
                .setData(ByteString.copyFrom(bytes, offset, length))
                .build();
    }

    private Digest put(byte[] data) throws IOException {
        return store.put(new java.io.ByteArrayInputStream(data), null, -1);
    }

    private List<Path> storeFiles(String sub) throws IOException {
        try (Stream<Path> s = Files.walk(storeDir.resolve(sub))) {
            return s.filter(Files::isRegularFile).collect(Collectors.toList());
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
