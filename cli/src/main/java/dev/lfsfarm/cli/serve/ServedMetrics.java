package dev.lfsfarm.cli.serve;

import dev.lfsfarm.common.metrics.Health;
import dev.lfsfarm.common.metrics.MetricsEndpoint;
import dev.lfsfarm.common.metrics.PrometheusMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * This process's meter registry and, with {@code --http}, the endpoint serving it. The endpoint
 * is bound before the coordinator or worker starts (a port in use fails at once, and an HA
 * coordinator publishes the bound address in its leader record); what it reports is attached
 * once the server exists, and until then {@code /healthz} says "starting".
 */
final class ServedMetrics implements AutoCloseable {
    private final PrometheusMetrics metrics = new PrometheusMetrics();
    private final MetricsEndpoint endpoint;
    private volatile Runnable beforeScrape = () -> {};
    private volatile Supplier<Health> health = () -> Health.unavailable("starting");

    private ServedMetrics(Optional<InetSocketAddress> bind, String flagValue) throws IOException {
        if (bind.isEmpty()) {
            endpoint = null;
            return;
        }
        try {
            endpoint = MetricsEndpoint.start(bind.get(), metrics, () -> beforeScrape.run(), () -> health.get());
        } catch (BindException e) {
            metrics.close();
            throw new IOException("--http " + flagValue + ": cannot listen there (" + reason(e) + ")", e);
        }
    }

    static ServedMetrics open(HttpOptions options) throws IOException {
        return new ServedMetrics(options.address(), options.http);
    }

    MeterRegistry registry() {
        return metrics.registry();
    }

    /** What scrapes refresh first and what {@code /healthz} answers, once the server runs. */
    void attach(Runnable beforeScrape, Supplier<Health> health) {
        this.beforeScrape = beforeScrape;
        this.health = health;
    }

    /** HOST:PORT others reach the endpoint at (a wildcard bind is named by this host's name); empty without --http. */
    String advertisedAddress() throws IOException {
        if (endpoint == null) {
            return "";
        }
        InetSocketAddress bound = endpoint.address();
        boolean wildcard = bound.getAddress() == null || bound.getAddress().isAnyLocalAddress();
        return wildcard ? InetAddress.getLocalHost().getHostName() + ":" + bound.getPort() : endpoint.hostPort();
    }

    /** The bound address, for logs and tests; empty without --http. */
    Optional<InetSocketAddress> boundAddress() {
        return Optional.ofNullable(endpoint).map(MetricsEndpoint::address);
    }

    private static String reason(BindException e) {
        String cause = e.getCause() != null && e.getCause().getMessage() != null
                ? e.getCause().getMessage()
                : e.getMessage();
        return cause.toLowerCase(java.util.Locale.ROOT).contains("in use") ? "the address is already in use" : cause;
    }

    @Override
    public void close() {
        if (endpoint != null) {
            endpoint.close();
        }
        metrics.close();
    }
}
