package dev.lfsfarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CLI's boundary with the worker module, checked on its sources: the CLI starts workers through
 * the worker's public entry package {@code dev.lfsfarm.worker.agent} only, never through the
 * worker's internals (execution, platform, metrics, sources).
 */
class ModuleBoundaryTest {
    private static final Path MAIN_SOURCES = Path.of("src/main/java");
    private static final String WORKER_ENTRY = "dev.lfsfarm.worker.agent.";
    /** Imports, static or not, and fully qualified names in code: any mention of a worker package. */
    private static final Pattern WORKER_NAME = Pattern.compile("\\bdev\\.lfsfarm\\.worker\\.[A-Za-z0-9_.*]+");

    @Test
    void cliUsesOnlyTheWorkersEntryPackage() throws IOException {
        List<Path> sources = javaSources();
        assertThat(sources)
                .as("CLI sources under %s", MAIN_SOURCES.toAbsolutePath())
                .isNotEmpty();
        List<String> violations = new ArrayList<>();
        for (Path source : sources) {
            List<String> lines = Files.readAllLines(source);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = WORKER_NAME.matcher(lines.get(i));
                while (m.find()) {
                    if (!m.group().startsWith(WORKER_ENTRY)) {
                        violations.add(MAIN_SOURCES.relativize(source) + ":" + (i + 1) + ": " + m.group());
                    }
                }
            }
        }
        assertThat(violations)
                .as("the CLI may use only %s* of the worker module", WORKER_ENTRY)
                .isEmpty();
    }

    @Test
    void theScanSeesTheCliStartingWorkers() throws IOException {
        // The check above is only worth something if it reads the files that do start workers.
        String workerCommand = Files.readString(MAIN_SOURCES.resolve("dev/lfsfarm/cli/serve/WorkerCommand.java"));
        assertThat(WORKER_NAME.matcher(workerCommand).find()).isTrue();
        assertThat(workerCommand).contains("import " + WORKER_ENTRY);
    }

    private static List<Path> javaSources() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN_SOURCES)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }
}
