package dev.lfsfarm.cli.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/architecture.md honest about the code: every {@code dev.lfsfarm.…} package it names
 * must exist as a folder under some module's {@code src/main/java}. Like the other tests that read
 * the docs, it runs in the cli module's folder, so the repository root is its parent.
 */
class ArchitectureDocTest {
    private static final Path ROOT = Path.of("..");
    private static final List<String> MODULES = List.of("proto", "common", "coordinator", "worker", "cli");
    /** A package name: lower-case segments after {@code dev.lfsfarm}; a class name (upper case) ends it. */
    private static final Pattern PACKAGE = Pattern.compile("\\bdev\\.lfsfarm(?:\\.[a-z][a-z0-9_]*)+");

    @Test
    void everyPackageTheArchitectureNamesExists() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/architecture.md"));
        Set<String> named = packagesNamedIn(doc);
        assertThat(named).as("packages named in docs/architecture.md").isNotEmpty();

        Set<String> missing = new TreeSet<>();
        for (String name : named) {
            if (!existsInSomeModule(name)) {
                missing.add(name);
            }
        }
        assertThat(missing)
                .as("packages docs/architecture.md names that no module's src/main/java holds")
                .isEmpty();
    }

    @Test
    void extractsPackageNamesAndStopsAtClassNames() {
        assertThat(packagesNamedIn("`dev.lfsfarm.common.zk.ZkPaths` and dev.lfsfarm.cli, dev.lfsfarm.coordinator.ha."))
                .containsExactly("dev.lfsfarm.cli", "dev.lfsfarm.common.zk", "dev.lfsfarm.coordinator.ha");
    }

    static Set<String> packagesNamedIn(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = PACKAGE.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    private static boolean existsInSomeModule(String packageName) {
        String folder = packageName.replace('.', '/');
        for (String module : MODULES) {
            if (Files.isDirectory(ROOT.resolve(module).resolve("src/main/java").resolve(folder))) {
                return true;
            }
        }
        return false;
    }
}
