package dev.lfsfarm.cli.serve;

import java.net.InetSocketAddress;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The {@code --http} flag of the serving commands: where {@code /metrics} and {@code /healthz} are served. */
public final class HttpOptions {
    @Option(
            names = "--http",
            paramLabel = "HOST:PORT",
            defaultValue = "${env:FARM_HTTP}",
            description = {
                "Serve /metrics (Prometheus text format) and /healthz over HTTP on this address,",
                "e.g. 0.0.0.0:9100; port 0 picks a free port (FARM_HTTP; default: off)."
            })
    String http;

    /** The address to bind, or empty when the flag is not set; a malformed value is a usage error naming the flag. */
    Optional<InetSocketAddress> address() {
        return http == null || http.isBlank() ? Optional.empty() : Optional.of(HostPort.parse("--http", http.trim()));
    }
}
