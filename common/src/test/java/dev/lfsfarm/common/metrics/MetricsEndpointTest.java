package dev.lfsfarm.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesTheRegistryAndHealthOverHttp() throws Exception {
        AtomicInteger refreshed = new AtomicInteger();
        AtomicBoolean healthy = new AtomicBoolean(true);
        try (PrometheusMetrics metrics = new PrometheusMetrics();
                MetricsEndpoint endpoint = MetricsEndpoint.start(
                        new InetSocketAddress("127.0.0.1", 0),
                        metrics,
                        refreshed::incrementAndGet,
                        () -> healthy.get() ? Health.ok("fine") : Health.unavailable("broken"))) {
            Counter.builder("farm.test.things").register(metrics.registry()).increment(3);
            HttpResponse<String> scrape = get(endpoint, "/metrics", "GET");
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body())
                    .contains("farm_test_things_total 3.0")
                    .contains("jvm_memory_used_bytes{area=\"heap\"");
            assertThat(refreshed).hasValue(1);
            assertThat(get(endpoint, "/healthz", "GET").body()).isEqualTo("fine\n");
            healthy.set(false);
            HttpResponse<String> sick = get(endpoint, "/healthz", "GET");
            assertThat(sick.statusCode()).isEqualTo(503);
            assertThat(sick.body()).isEqualTo("broken\n");
            assertThat(get(endpoint, "/other", "GET").statusCode()).isEqualTo(404);
            assertThat(get(endpoint, "/metrics", "DELETE").statusCode()).isEqualTo(405);
            assertThat(get(endpoint, "/metrics", "HEAD").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void anAddressInUseIsNamed() throws Exception {
        try (PrometheusMetrics metrics = new PrometheusMetrics();
                MetricsEndpoint first = MetricsEndpoint.start(
                        new InetSocketAddress("127.0.0.1", 0), metrics, () -> {}, () -> Health.ok("ok"))) {
            assertThatThrownBy(() -> MetricsEndpoint.start(first.address(), metrics, () -> {}, () -> Health.ok("ok")))
                    .isInstanceOf(BindException.class)
                    .hasMessageStartingWith("cannot serve HTTP on " + first.hostPort());
        }
    }

    private HttpResponse<String> get(MetricsEndpoint endpoint, String path, String method) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://" + endpoint.hostPort() + path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
