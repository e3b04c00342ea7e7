// DispatchLoad.java - a load-generating worker client for the dispatch benchmark (dispatch.sh).
//
// It is NOT a farm worker: it speaks the real WorkerService protocol to a real coordinator over
// gRPC (Connect stream: Hello, Heartbeat every Welcome interval, and for every Assign an immediate
// AttemptResult SUCCEEDED pointing at one empty artifact uploaded once through ArtifactService), so
// the coordinator's dispatch path is measured without spawning a process per package.
//
// Run: java -cp farm.jar DispatchLoad.java --coordinator HOST:PORT --n 10000 [--workers 4] [--slots 16]
//          [--shape wide|layers] [--timeout 900]
// Submits one build of N no-op packages (SubmitBuild, no_cache, built in memory: no YAML), waits
// until every package's result is acknowledged, and prints one "RESULT key=value ..." line:
//   submit_s     the SubmitBuild call (request of N recipes; resolve, critical path, action keys)
//   first_assign_s  submit start to the first Assign
//   dispatch_s   first Assign to the last result acknowledged
//   pkg_per_s    N / dispatch_s
//   wall_s       the coordinator's build wall (GetBuild: started -> finished)
//   lat_p50_ms lat_p99_ms lat_max_ms  client-side dispatch latency: a slot freed (our result sent)
//                to the next Assign on that worker; the first `slots` Assigns per worker have no
//                freed slot and are not counted. Includes both gRPC directions on loopback.
// Shapes: wide = no dependencies (all N ready at once); layers = 10 layers of N/10, each package
// requires 2 packages of the layer before (every layer's packages become ready while the farm runs).
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.artifact.ArtifactPacker;
import dev.lfsfarm.common.leader.LeaderChannel;
import dev.lfsfarm.proto.v1.*;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

public class DispatchLoad {
    static final AtomicLong acked = new AtomicLong();
    static final AtomicLong rejected = new AtomicLong();
    static final AtomicLong firstAssignNs = new AtomicLong();
    static final ConcurrentLinkedQueue<Long> latenciesNs = new ConcurrentLinkedQueue<>();
    static final CountDownLatch connected = new CountDownLatch(1);
    static volatile CountDownLatch done;

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>(Map.of("--workers", "4", "--slots", "16", "--shape", "wide", "--timeout", "900"));
        for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i], args[i + 1]);
        String address = a.get("--coordinator");
        int n = Integer.parseInt(a.get("--n"));
        int workers = Integer.parseInt(a.get("--workers"));
        int slots = Integer.parseInt(a.get("--slots"));
        String shape = a.get("--shape");
        done = new CountDownLatch(n);
        ManagedChannel channel = LeaderChannel.plaintext(address);

        // one empty artifact and its manifest, uploaded once; every result points at them
        Path tmp = Files.createTempDirectory("dispatch-load");
        Path dest = Files.createDirectories(tmp.resolve("dest"));
        Path tar = tmp.resolve("artifact.tar.gz");
        Manifest manifest;
        try (OutputStream out = Files.newOutputStream(tar)) {
            manifest = ArtifactPacker.pack(dest, out);
        }
        Path mf = tmp.resolve("manifest.pb");
        Files.write(mf, manifest.toByteArray());
        ArtifactClient artifacts = new ArtifactClient(channel);
        Digest artifact = artifacts.upload(tar, ArtifactKind.ARTIFACT_KIND_PACKAGE);
        Digest manifestDigest = artifacts.upload(mf, ArtifactKind.ARTIFACT_KIND_MANIFEST);

        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "heartbeats");
            t.setDaemon(true);
            return t;
        });
        List<FakeWorker> fakes = new ArrayList<>();
        for (int w = 1; w <= workers; w++) {
            FakeWorker f = new FakeWorker(channel, "load-" + w, slots, artifact, manifestDigest, timer);
            fakes.add(f);
            f.start();
        }
        for (FakeWorker f : fakes) f.welcomed.await(30, TimeUnit.SECONDS);

        Book.Builder book = Book.newBuilder().setName("dispatch-" + shape + "-" + n);
        int layers = 10, width = Math.max(1, n / layers);
        for (int i = 0; i < n; i++) {
            Recipe.Builder r = Recipe.newBuilder().setId(String.format("p%06d", i)).setName(String.format("p%06d", i))
                    .setVersion("1.0").setSbu(0.1).setParallelJobs(1)
                    .setResources(RecipeResources.newBuilder().setMemoryMb(64)).putPhases("build", "true");
            if (shape.equals("layers") && i >= width) {
                int layerStart = (i / width - 1) * width;
                Dependencies.Builder d = Dependencies.newBuilder();
                d.addRequired(DependencyRef.newBuilder().setPackageId(String.format("p%06d", layerStart + (i % width))));
                d.addRequired(DependencyRef.newBuilder().setPackageId(String.format("p%06d", layerStart + ((i * 7 + 3) % width))));
                r.setDepends(d);
            }
            book.addRecipes(r);
        }
        SubmitBuildRequest request = SubmitBuildRequest.newBuilder().setBook(book).setNoCache(true)
                .setRequestId(UUID.randomUUID().toString()).setSubmitter("dispatch-load").build();
        BuildServiceGrpc.BuildServiceBlockingStub builds = BuildServiceGrpc.newBlockingStub(channel);
        long t0 = System.nanoTime();
        SubmitBuildResponse response;
        try {
            response = builds.submitBuild(request);
        } catch (io.grpc.StatusRuntimeException e) {
            System.out.printf(Locale.ROOT, "RESULT n=%d shape=%s request_bytes=%d SUBMIT_FAILED %s%n", n, shape,
                    request.getSerializedSize(), e.getStatus().toString().replace(' ', '_'));
            System.exit(1);
            return;
        }
        long t1 = System.nanoTime();
        String buildId = response.getBuildId();
        if (!done.await(Long.parseLong(a.get("--timeout")), TimeUnit.SECONDS)) {
            double secs = (System.nanoTime() - firstAssignNs.get()) / 1e9;
            System.out.printf(Locale.ROOT, "RESULT n=%d shape=%s TIMEOUT acked=%d in %.1f s after the first Assign: %.1f pkg/s so far%n",
                    n, shape, acked.get(), secs, acked.get() / secs);
            System.exit(1);
        }
        long t2 = System.nanoTime();
        Build build = null;
        for (int i = 0; i < 600; i++) { // the build's end is applied right after the last result
            build = builds.getBuild(GetBuildRequest.newBuilder().setBuildId(buildId).setSummaryOnly(true).build()).getBuild();
            if (build.hasFinishedAt()) break;
            Thread.sleep(50);
        }
        double wall = build.getFinishedAt().getSeconds() - build.getStartedAt().getSeconds()
                + (build.getFinishedAt().getNanos() - build.getStartedAt().getNanos()) / 1e9;
        long[] lat = latenciesNs.stream().mapToLong(Long::longValue).sorted().toArray();
        double dispatch = (t2 - firstAssignNs.get()) / 1e9;
        System.out.printf(Locale.ROOT, "RESULT n=%d shape=%s request_bytes=%d state=%s succeeded=%d rejected=%d submit_s=%.3f "
                + "first_assign_s=%.3f dispatch_s=%.3f pkg_per_s=%.1f wall_s=%.3f lat_n=%d lat_p50_ms=%.3f lat_p99_ms=%.3f lat_max_ms=%.3f%n",
                n, shape, request.getSerializedSize(), build.getState(), build.getProgress().getSucceeded(), rejected.get(),
                (t1 - t0) / 1e9, (firstAssignNs.get() - t0) / 1e9, dispatch, n / dispatch, wall, lat.length,
                pct(lat, 0.50), pct(lat, 0.99), lat.length == 0 ? 0 : lat[lat.length - 1] / 1e6);
        for (FakeWorker f : fakes) f.close();
        channel.shutdownNow();
        System.exit(0);
    }

    static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    static final class FakeWorker implements StreamObserver<CoordinatorMessage> {
        final String name;
        final int slots;
        final Digest artifact, manifest;
        final ScheduledExecutorService timer;
        final WorkerServiceGrpc.WorkerServiceStub stub;
        final CountDownLatch welcomed = new CountDownLatch(1);
        final ArrayDeque<Long> freed = new ArrayDeque<>(); // when our results freed a slot, oldest first
        final AtomicLong seq = new AtomicLong();
        StreamObserver<WorkerMessage> out;
        int assigned;

        FakeWorker(ManagedChannel channel, String name, int slots, Digest artifact, Digest manifest, ScheduledExecutorService timer) {
            this.name = name;
            this.slots = slots;
            this.artifact = artifact;
            this.manifest = manifest;
            this.timer = timer;
            this.stub = WorkerServiceGrpc.newStub(channel);
        }

        void start() {
            out = stub.connect(this);
            send(WorkerMessage.newBuilder().setHello(Hello.newBuilder().setName(name).setInstanceId(UUID.randomUUID().toString())
                    .setPlatform(PlatformFacts.newBuilder().setArch("x86_64"))
                    .setCapacity(Capacity.newBuilder().setSlots(slots).setCores(slots).setMemoryMb(64L * slots))).build());
        }

        synchronized void send(WorkerMessage m) {
            out.onNext(m);
        }

        @Override
        public void onNext(CoordinatorMessage m) {
            long now = System.nanoTime();
            switch (m.getMessageCase()) {
                case WELCOME -> {
                    long ms = Math.max(200, m.getWelcome().getHeartbeatInterval().getSeconds() * 1000
                            + m.getWelcome().getHeartbeatInterval().getNanos() / 1_000_000);
                    timer.scheduleWithFixedDelay(() -> send(WorkerMessage.newBuilder().setHeartbeat(
                            Heartbeat.newBuilder().setSequence(seq.incrementAndGet())).build()), ms, ms, TimeUnit.MILLISECONDS);
                    welcomed.countDown();
                }
                case ASSIGN -> {
                    Assign as = m.getAssign();
                    firstAssignNs.compareAndSet(0, now);
                    synchronized (this) {
                        if (++assigned > slots && !freed.isEmpty()) {
                            latenciesNs.add(now - freed.poll());
                        }
                    }
                    AttemptResult result = AttemptResult.newBuilder().setAttemptId(as.getAttemptId()).setEpoch(as.getLeaderEpoch())
                            .setActionKey(as.getActionKey()).setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED)
                            .setArtifact(artifact).setManifest(manifest).build();
                    synchronized (this) {
                        freed.add(System.nanoTime());
                        out.onNext(WorkerMessage.newBuilder().setResult(result).build());
                    }
                }
                case RESULT_ACK -> {
                    if (m.getResultAck().getAccepted()) {
                        acked.incrementAndGet();
                        done.countDown();
                    } else {
                        rejected.incrementAndGet();
                        System.err.println("rejected: " + m.getResultAck());
                    }
                }
                default -> { }
            }
        }

        @Override
        public void onError(Throwable t) {
            System.err.println(name + ": stream failed: " + t);
        }

        @Override
        public void onCompleted() {
        }

        synchronized void close() {
            try {
                out.onCompleted();
            } catch (RuntimeException ignored) {
            }
        }
    }
}
