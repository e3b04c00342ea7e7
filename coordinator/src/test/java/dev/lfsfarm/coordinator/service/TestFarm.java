package dev.lfsfarm.coordinator.service;

import dev.lfsfarm.common.recipe.BookLoader;
import dev.lfsfarm.common.testing.BookFixture;
import dev.lfsfarm.common.wire.BookMessages;
import dev.lfsfarm.coordinator.dispatch.DispatchSettings;
import dev.lfsfarm.coordinator.server.CoordinatorServer;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.ListWorkersRequest;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import dev.lfsfarm.proto.v1.WorkerState;
import dev.lfsfarm.proto.v1.WorkerStatus;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A coordinator on the in-process transport with its state and artifacts in a temp folder, a
 * channel to it, and fake workers on that channel. The server keeps gRPC's default executor: the
 * dispatcher answers calls from its own thread, and a direct executor would run service code on
 * the in-process transport's threads, which these tests do not need to do.
 */
public final class TestFarm implements AutoCloseable {
    /** Short heartbeats; a lease long enough that no test loses a worker by accident. */
    public static final DispatchSettings SETTINGS =
            new DispatchSettings(Duration.ofMillis(200), Duration.ofSeconds(30), 2, 1 << 20, "x86_64", 60);

    private final Path dir;
    private final CoordinatorServer server;
    private final ManagedChannel channel;
    private final List<FakeWorker> workers = new ArrayList<>();
    private int books;

    public TestFarm(Path dir) throws IOException {
        this(dir, SETTINGS);
    }

    public TestFarm(Path dir, DispatchSettings settings) throws IOException {
        this.dir = dir;
        String name = InProcessServerBuilder.generateName();
        server = CoordinatorServer.start(
                InProcessServerBuilder.forName(name), dir.resolve("state"), dir.resolve("artifacts"), settings);
        channel = InProcessChannelBuilder.forName(name).build();
    }

    public ManagedChannel channel() {
        return channel;
    }

    public CoordinatorServer server() {
        return server;
    }

    public long epoch() {
        return server.dispatcher().epoch();
    }

    /** BuildService with a 30 s deadline from now. */
    public BuildServiceGrpc.BuildServiceBlockingStub builds() {
        return BuildServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public BuildServiceGrpc.BuildServiceStub buildsAsync() {
        return BuildServiceGrpc.newStub(channel);
    }

    /** A fake worker on this farm's channel, not connected yet; closed with the farm. */
    public FakeWorker worker(String name) {
        FakeWorker w = new FakeWorker(channel, dir.resolve("worker-" + name), name);
        workers.add(w);
        return w;
    }

    /** A fake worker that said Hello and got Welcome. */
    public FakeWorker connected(String name) throws InterruptedException {
        FakeWorker w = worker(name);
        w.connect();
        return w;
    }

    /** A second agent process using {@code name} (a different instance id). */
    public FakeWorker impostor(String name) {
        FakeWorker w = new FakeWorker(channel, dir.resolve("impostor-" + name), name);
        workers.add(w);
        return w;
    }

    /** The request for a book written by {@code recipes} into a fresh folder (default flags). */
    public SubmitBuildRequest request(Consumer<BookFixture> recipes) throws Exception {
        BookFixture book = new BookFixture(dir.resolve("book-" + (++books)));
        recipes.accept(book);
        return SubmitBuildRequest.newBuilder()
                .setBook(BookMessages.toProto(BookLoader.load(book.root()), Map.of()))
                .setSubmitter("test")
                .build();
    }

    /** Two packages: {@code a}, and {@code b} which requires it. */
    public static void chain(BookFixture book) {
        book.simple("a", "1.0", "").simple("b", "2.0", "required: [a]");
    }

    public SubmitBuildResponse submit(SubmitBuildRequest request) {
        return builds().submitBuild(request);
    }

    public Build get(String buildId) {
        return builds().getBuild(
                        GetBuildRequest.newBuilder().setBuildId(buildId).build())
                .getBuild();
    }

    /** Polls GetBuild until {@code condition} holds; fails after {@link FakeWorker#WAIT}. */
    public Build await(String buildId, String what, Predicate<Build> condition) throws InterruptedException {
        long deadline = System.nanoTime() + FakeWorker.WAIT.toNanos();
        Build build = get(buildId);
        while (!condition.test(build)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("build " + buildId + " never got " + what + "; last seen:\n" + build);
            }
            TimeUnit.MILLISECONDS.sleep(10); // polling interval of a deadline-bounded wait
            build = get(buildId);
        }
        return build;
    }

    public Build awaitState(String buildId, BuildState state) throws InterruptedException {
        return await(buildId, "state " + state, b -> b.getState() == state);
    }

    public Build awaitPackage(String buildId, String packageId, PackageState state) throws InterruptedException {
        return await(buildId, packageId + " " + state, b -> pkg(b, packageId).getState() == state);
    }

    /** Polls ListWorkers (lost ones included) until worker {@code name} is in {@code state}. */
    public WorkerStatus awaitWorker(String name, WorkerState state) throws InterruptedException {
        long deadline = System.nanoTime() + FakeWorker.WAIT.toNanos();
        while (true) {
            List<WorkerStatus> all = builds().listWorkers(
                            ListWorkersRequest.newBuilder().setIncludeLost(true).build())
                    .getWorkersList();
            for (WorkerStatus w : all) {
                if (w.getName().equals(name) && w.getState() == state) {
                    return w;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("worker " + name + " never got " + state + "; last seen: " + all);
            }
            TimeUnit.MILLISECONDS.sleep(10); // polling interval of a deadline-bounded wait
        }
    }

    public static PackageStatus pkg(Build build, String packageId) {
        return build.getPackagesList().stream()
                .filter(p -> p.getPackageId().equals(packageId))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no package " + packageId + " in " + build.getPackagesList()));
    }

    @Override
    public void close() throws InterruptedException {
        workers.forEach(FakeWorker::close);
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
        server.close();
    }
}
