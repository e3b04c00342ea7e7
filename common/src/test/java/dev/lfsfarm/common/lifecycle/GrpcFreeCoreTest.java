package dev.lfsfarm.common.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The pure core stays pure: no file of the lifecycle or the scheduler core uses the transport
 * ({@code io.grpc}) or reads the system's clocks directly (time comes from the injected clock).
 */
class GrpcFreeCoreTest {
    private static final List<Path> CORE = List.of(
            Path.of("src/main/java/dev/lfsfarm/common/lifecycle"),
            Path.of("src/main/java/dev/lfsfarm/common/schedule"));

    private static List<Path> sources() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path dir : CORE) {
            assertThat(dir).isDirectory(); // run from the common module's directory, as Maven does
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
            }
        }
        return files;
    }

    @Test
    void noCoreFileImportsGrpc() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path file : sources()) {
            for (String line : Files.readAllLines(file)) {
                if (line.contains("io.grpc")) {
                    offenders.add(file + ": " + line.trim());
                }
            }
        }
        assertThat(offenders).isEmpty();
    }

    @Test
    void theLifecycleReadsNoSystemClock() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path file : sources()) {
            if (!file.startsWith(CORE.get(0))) {
                continue;
            }
            for (String line : Files.readAllLines(file)) {
                if (line.contains("Instant.now(")
                        || line.contains("System.nanoTime(")
                        || line.contains("System.currentTimeMillis(")) {
                    offenders.add(file + ": " + line.trim());
                }
            }
        }
        assertThat(offenders).isEmpty();
    }
}
