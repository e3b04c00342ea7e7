package dev.lfsfarm.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes small books into a folder for tests: {@code farm.yaml} plus {@code packages/<id>.yaml}. */
public final class BookFixture {
    private final Path root;

    public BookFixture(Path root) {
        this.root = root;
        write("farm.yaml", "name: test\n");
    }

    public Path root() {
        return root;
    }

    /** Replaces farm.yaml. */
    public BookFixture book(String yaml) {
        return write("farm.yaml", yaml);
    }

    /** Writes packages/{@code id}.yaml. */
    public BookFixture recipe(String id, String yaml) {
        return write("packages/" + id + ".yaml", yaml);
    }

    /** A minimal valid recipe with the given depends block (YAML flow mapping body or empty). */
    public BookFixture simple(String id, String version, String depends) {
        return recipe(
                id,
                "version: \"" + version + "\"\n" + (depends.isEmpty() ? "" : "depends: {" + depends + "}\n")
                        + "phases: {build: make}\n");
    }

    public BookFixture write(String relative, String content) {
        try {
            Path file = root.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
