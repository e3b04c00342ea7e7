package dev.lfsfarm.cli.serve;

import dev.lfsfarm.cli.UsageException;
import java.net.InetSocketAddress;

/** Parses {@code HOST:PORT} (also {@code :PORT} and {@code [::1]:PORT}) for the listen flags. */
final class HostPort {
    private HostPort() {}

    static InetSocketAddress parse(String flag, String value) {
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            throw new UsageException(flag + " must be HOST:PORT, got '" + value + "'");
        }
        String host = value.substring(0, colon).replace("[", "").replace("]", "");
        try {
            int port = Integer.parseInt(value.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + ": '" + value.substring(colon + 1) + "' is not a port number");
        }
    }
}
