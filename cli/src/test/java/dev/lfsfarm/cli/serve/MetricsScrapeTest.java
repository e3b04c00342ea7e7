package dev.lfsfarm.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.cli.remote.Submission;
import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.common.leader.LeaderChannel;
import dev.lfsfarm.common.metrics.MetricsEndpoint;
import dev.lfsfarm.common.metrics.PrometheusMetrics;
import dev.lfsfarm.common.testing.BookFixture;
import dev.lfsfarm.coordinator.dispatch.DispatchSettings;
import dev.lfsfarm.coordinator.server.CoordinatorServer;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import dev.lfsfarm.worker.agent.WorkerAgent;
import dev.lfsfarm.worker.agent.WorkerSettings;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real coordinator and a real worker agent in this JVM, on loopback gRPC, each with its own
 * registry and HTTP endpoint, build a two-package book (one URL source, fetched once and then
 * found in the cache). The endpoints are scraped over real HTTP and the figures checked against
 * what the build did; the names the docs and the Grafana dashboard use must all be in a scrape.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsScrapeTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final DispatchSettings SETTINGS =
            new DispatchSettings(Duration.ofMillis(200), Duration.ofSeconds(30), 2, 1 << 20, "x86_64", 60);
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private PrometheusMetrics coordinatorMetrics;
    private PrometheusMetrics workerMetrics;
    private CoordinatorServer coordinator;
    private MetricsEndpoint coordinatorHttp;
    private MetricsEndpoint workerHttp;
    private ManagedChannel channel;
    private WorkerAgent agent;
    private Build build;

    @BeforeAll
    void buildOnARealFarm(@TempDir Path dir) throws Exception {
        coordinatorMetrics = new PrometheusMetrics();
        coordinator = CoordinatorServer.start(
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                dir.resolve("state"),
                dir.resolve("artifacts"),
                SETTINGS,
                coordinatorMetrics.registry());
        coordinatorHttp = MetricsEndpoint.start(
                new InetSocketAddress("127.0.0.1", 0),
                coordinatorMetrics,
                coordinator.metrics()::refresh,
                coordinator.metrics()::health);
        channel = LeaderChannel.plaintext("127.0.0.1:" + coordinator.port());
        workerMetrics = new PrometheusMetrics();
        WorkerSettings settings = new WorkerSettings(
                "w1",
                1,
                1,
                512,
                Map.of(),
                Files.createDirectories(dir.resolve("work")),
                false,
                0,
                Duration.ofSeconds(1));
        agent = WorkerCommand.start(settings, LeaderChannel.fixed(channel), workerMetrics.registry());
        workerHttp =
                MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0), workerMetrics, () -> {}, agent::health);

        Path source = Files.writeString(dir.resolve("greeting.txt"), "hello from a url source\n");
        String sha256 = Sha256.of(source);
        String recipe = "version: \"1\"\nsources:\n  - url: " + source.toUri() + "\n    sha256: " + sha256 + "\n"
                // The sleep keeps the phase alive for 20 of the worker's 50 ms RSS samples: a phase of
                // a few ms can end before the first one runs on a loaded machine, and its peak RSS is
                // then unknown (0).
                + "phases:\n  install: sleep 1 && mkdir -p \"$DESTDIR/usr/share\" && cp \"$FARM_SOURCES\"/* \"$DESTDIR/usr/share/\"\n";
        BookFixture book = new BookFixture(dir.resolve("book"))
                .recipe("first", recipe)
                .recipe("second", recipe.replace("version: \"1\"\n", "version: \"1\"\ndepends: {required: [first]}\n"));
        var stub = BuildServiceGrpc.newBlockingStub(channel);
        SubmitBuildResponse submitted =
                Submission.prepare(book.root(), List.of(), null, false, false).submit(stub, channel);
        GetBuildRequest get =
                GetBuildRequest.newBuilder().setBuildId(submitted.getBuildId()).build();
        await(
                "the build to finish",
                () -> isFinished(stub.getBuild(get).getBuild().getState()));
        build = stub.getBuild(get).getBuild();
        // The worker counts an attempt when its result is sent; the coordinator may apply it first.
        await("the worker to record both packages", () -> agent.runningAttempts() == 0);
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {
            workerHttp,
            agent,
            channel == null ? null : channel::shutdownNow,
            coordinatorHttp,
            coordinator,
            workerMetrics,
            coordinatorMetrics
        }) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing what a failed start left behind
                }
            }
        }
    }

    @Test
    void coordinatorCountsWhatTheBuildDid() throws Exception {
        assertThat(build.getState()).isEqualTo(BuildState.BUILD_STATE_SUCCEEDED);
        Map<String, Double> m = samples(get(coordinatorHttp, "/metrics").body());
        assertThat(m.get("farm_builds{state=\"succeeded\"}")).isEqualTo(1.0);
        assertThat(m.get("farm_builds{state=\"running\"}")).isEqualTo(0.0);
        assertThat(m.get("farm_dispatch_latency_seconds_count")).isEqualTo(2.0); // each package dispatched once
        assertThat(m.get("farm_ready_queue_packages")).isEqualTo(0.0);
        assertThat(m.get("farm_workers_connected")).isEqualTo(1.0);
        assertThat(m.get("farm_workers_lost_total")).isEqualTo(0.0);
        assertThat(m.get("farm_leader")).isEqualTo(1.0);
        assertThat(m.get("farm_leader_epoch"))
                .isEqualTo((double) coordinator.dispatcher().epoch());
        assertThat(m.get("farm_package_regressions_total")).isEqualTo(0.0);
        assertThat(m.get("farm_artifact_store_bytes")).isPositive().isEqualTo((double)
                coordinator.artifacts().totalBytes());
        assertThat(m.get("farm_registry_write_seconds_count{operation=\"created\"}"))
                .isEqualTo(1.0);
        assertThat(m.get("farm_registry_write_seconds_count{operation=\"packages_changed\"}"))
                .isGreaterThanOrEqualTo(2.0);
        assertThat(m.get("grpc_server_processing_duration_seconds_count{method=\"SubmitBuild\",methodType=\"UNARY\","
                        + "service=\"farm.v1.BuildService\",statusCode=\"OK\"}"))
                .isEqualTo(1.0);
        assertThat(m.get("jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"}"))
                .isNotNull();
    }

    @Test
    void workerCountsItsPackagesAndBytes() throws Exception {
        Map<String, Double> m = samples(get(workerHttp, "/metrics").body());
        String w = "worker=\"w1\"";
        assertThat(m.get("farm_worker_package_build_seconds_count{outcome=\"succeeded\"," + w + "}"))
                .isEqualTo(2.0);
        assertThat(m.get("farm_worker_package_cpu_seconds_count{outcome=\"succeeded\"," + w + "}"))
                .isEqualTo(2.0);
        assertThat(m.get("farm_worker_package_peak_rss_bytes_max{outcome=\"succeeded\"," + w + "}"))
                .isPositive();
        assertThat(m.get("farm_worker_source_downloads_total{" + w + "}")).isEqualTo(1.0);
        assertThat(m.get("farm_worker_source_cache_hits_total{" + w + "}")).isEqualTo(1.0);
        assertThat(m.get("farm_worker_source_fetched_bytes_total{" + w + "}")).isEqualTo(24.0);
        assertThat(m.get("farm_worker_slots{" + w + "}")).isEqualTo(1.0);
        assertThat(m.get("farm_worker_slots_busy{" + w + "}")).isEqualTo(0.0);
        long uploaded = build.getPackagesList().stream()
                .mapToLong(p -> p.getArtifact().getSizeBytes() + p.getManifest().getSizeBytes())
                .sum();
        assertThat(m.get("farm_worker_artifact_uploaded_bytes_total{" + w + "}"))
                .isEqualTo((double) uploaded);
        assertThat(m.get("farm_worker_artifact_downloaded_bytes_total{" + w + "}"))
                .isEqualTo((double) build.getPackages(0).getArtifact().getSizeBytes()); // "second" stages "first"
        long logBytes = build.getPackagesList().stream()
                .mapToLong(p -> p.getLogSizeBytes())
                .sum();
        assertThat(m.get("farm_worker_log_sent_bytes_total{" + w + "}")).isEqualTo((double) logBytes);
        assertThat(m.keySet())
                .anyMatch(k -> k.startsWith("grpc_client_requests_sent_messages_total{method=\"Connect\""));
    }

    @Test
    void healthzAnswersForBoth() throws Exception {
        HttpResponse<String> c = get(coordinatorHttp, "/healthz");
        assertThat(c.statusCode()).isEqualTo(200);
        assertThat(c.body()).startsWith("leading (epoch ");
        HttpResponse<String> w = get(workerHttp, "/healthz");
        assertThat(w.statusCode()).isEqualTo(200);
        assertThat(w.body()).startsWith("connected to ");
        assertThat(get(coordinatorHttp, "/nothing").statusCode()).isEqualTo(404);
        assertThat(get(coordinatorHttp, "/metrics").headers().firstValue("Content-Type"))
                .hasValue("text/plain; version=0.0.4; charset=utf-8");
    }

    @Test
    void everyMetricTheDocsAndTheDashboardNameIsScraped() throws Exception {
        Set<String> scraped = new TreeSet<>();
        for (MetricsEndpoint endpoint : List.of(coordinatorHttp, workerHttp)) {
            for (String line : get(endpoint, "/metrics").body().split("\n")) {
                Matcher type = Pattern.compile("^# TYPE (\\S+) ").matcher(line);
                Matcher sample = SAMPLE.matcher(line);
                if (type.find()) {
                    scraped.add(type.group(1));
                } else if (sample.matches()) {
                    scraped.add(sample.group(1));
                }
            }
        }
        String docs = Files.readString(Path.of("../docs/reference/metrics.md"));
        // The metrics section; the build measurements after it name cgroup files, not metrics.
        Set<String> documented = metricNames(docs.substring(0, docs.indexOf("## Build measurements")), "`");
        Set<String> dashboard = metricNames(Files.readString(Path.of("../deploy/grafana/lfs-farm-dashboard.json")), "");
        assertThat(documented).hasSizeGreaterThan(20);
        assertThat(dashboard).hasSizeGreaterThan(10);
        assertThat(scraped).containsAll(documented).containsAll(dashboard);
    }

    /** Names of the farm's, JVM, process and gRPC metrics in a text ({@code quote}: only those inside it). */
    private static Set<String> metricNames(String text, String quote) {
        Pattern name = Pattern.compile(
                Pattern.quote(quote) + "((?:farm|jvm|process|system|grpc)_[a-z0-9_]*[a-z0-9])" + Pattern.quote(quote));
        Set<String> names = new TreeSet<>();
        Matcher m = name.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static Map<String, Double> samples(String scrape) {
        Map<String, Double> values = new HashMap<>();
        for (String line : scrape.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (m.matches()) {
                values.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
            }
        }
        return values;
    }

    private HttpResponse<String> get(MetricsEndpoint endpoint, String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://" + endpoint.hostPort() + path);
        return http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static boolean isFinished(BuildState state) {
        return state == BuildState.BUILD_STATE_SUCCEEDED
                || state == BuildState.BUILD_STATE_FAILED
                || state == BuildState.BUILD_STATE_CANCELLED;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20); // polling interval of a deadline-bounded wait
        }
    }
}
