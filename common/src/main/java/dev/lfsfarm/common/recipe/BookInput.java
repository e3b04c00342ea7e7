package dev.lfsfarm.common.recipe;

import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.input.Location;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens what an operator points at: a book folder (or its farm.yaml) or a JSON graph file. */
public final class BookInput {
    private BookInput() {}

    public static Book open(Path path, double defaultSbu) throws InputException {
        if (Files.isDirectory(path)) {
            return BookLoader.load(path);
        }
        if (path.getFileName() != null && path.getFileName().toString().equals(BookLoader.BOOK_FILE)) {
            Path parent = path.toAbsolutePath().getParent();
            return BookLoader.load(parent);
        }
        if (Files.isRegularFile(path)) {
            return GraphFileLoader.load(path, defaultSbu);
        }
        throw new InputException(new InputError(Location.of(path), "", "no such book folder or graph file"));
    }
}
