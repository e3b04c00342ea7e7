package dev.lfsfarm.common.input;

import java.nio.file.Path;

/** Where something was read from: a file and, when the parser knows it, a 1-based line and column. */
public record Location(Path file, int line, int column) {

    /** A location that names only the file (line and column unknown). */
    public static Location of(Path file) {
        return new Location(file, 0, 0);
    }

    @Override
    public String toString() {
        String name = file == null ? "<input>" : file.toString();
        if (line <= 0) {
            return name;
        }
        return column > 0 ? name + ":" + line + ":" + column : name + ":" + line;
    }
}
