package dev.lfsfarm.common.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lfsfarm.common.concurrent.DaemonThreadFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process's HTTP endpoint: {@code GET /metrics} (Prometheus text format) and {@code GET /healthz}.
 * It runs on the JDK's own {@link HttpServer}: two paths and a scrape every few seconds need no
 * framework, and the farm's jar stays free of a second HTTP stack beside gRPC's Netty.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService threads;

    private MetricsEndpoint(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    /**
     * Binds {@code address} and serves until {@link #close()}.
     *
     * @param metrics what {@code /metrics} shows
     * @param beforeScrape runs before each scrape, so gauges that read a snapshot see a fresh one
     * @param health what {@code /healthz} answers
     * @throws BindException when the address is in use or not local; the message names it
     */
    public static MetricsEndpoint start(
            InetSocketAddress address, PrometheusMetrics metrics, Runnable beforeScrape, Supplier<Health> health)
            throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (BindException e) {
            BindException named =
                    new BindException("cannot serve HTTP on " + describe(address) + ": " + e.getMessage());
            named.initCause(e);
            throw named;
        }
        // Two threads: a scrape and a health probe never wait for each other.
        ExecutorService threads = Executors.newFixedThreadPool(2, DaemonThreadFactory.numbered("metrics-http"));
        server.setExecutor(threads);
        server.createContext(
                "/metrics",
                exchange -> answer(exchange, () -> {
                    beforeScrape.run();
                    return new Reply(200, PROMETHEUS_TEXT, metrics.scrape());
                }));
        server.createContext(
                "/healthz",
                exchange -> answer(exchange, () -> {
                    Health h = health.get();
                    return new Reply(h.ok() ? 200 : 503, "text/plain; charset=utf-8", h.message() + "\n");
                }));
        server.createContext(
                "/",
                exchange -> answer(
                        exchange,
                        () -> new Reply(404, "text/plain; charset=utf-8", "not found: try /metrics or /healthz\n")));
        server.start();
        MetricsEndpoint endpoint = new MetricsEndpoint(server, threads);
        log.info("metrics on http://{}/metrics, health on /healthz", describe(endpoint.address()));
        return endpoint;
    }

    /** The address actually bound (port 0 becomes the port the system chose). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** HOST:PORT of {@link #address()}, for logs and the leader record. */
    public String hostPort() {
        return describe(address());
    }

    private record Reply(int status, String contentType, String body) {}

    private static void answer(HttpExchange exchange, Supplier<Reply> reply) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            Reply r = method.equals("GET") || method.equals("HEAD")
                    ? replyOrError(reply)
                    : new Reply(405, "text/plain; charset=utf-8", "only GET and HEAD\n");
            byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", r.contentType());
            if (method.equals("HEAD")) {
                exchange.sendResponseHeaders(r.status(), -1);
                return;
            }
            exchange.sendResponseHeaders(r.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static Reply replyOrError(Supplier<Reply> reply) {
        try {
            return reply.get();
        } catch (RuntimeException e) {
            log.warn("HTTP endpoint: {}", e.toString());
            return new Reply(500, "text/plain; charset=utf-8", "error: " + e.getMessage() + "\n");
        }
    }

    private static String describe(InetSocketAddress address) {
        String host = address.getAddress() == null
                ? address.getHostString()
                : address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Stops answering: open exchanges get a moment to finish. */
    @Override
    public void close() {
        server.stop(0);
        threads.shutdown();
        try {
            threads.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
