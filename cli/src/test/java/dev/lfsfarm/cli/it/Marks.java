package dev.lfsfarm.cli.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A file outside every workspace that recipes append lines to, to count what really ran. The
 * phase environment is clean, so its absolute path reaches the phases through a recipe's {@code env}
 * (as {@code $MARKS}). Phases run as the unprivileged {@code farm-build} user when the worker runs
 * as root and that user exists, so the file is world-writable and its folders are traversable.
 */
final class Marks {
    private final Path file;

    private Marks(Path file) {
        this.file = file;
    }

    /** Creates {@code root/marks/marks.log}, writable by any user, with {@code root} made traversable. */
    static Marks in(Path root) {
        try {
            Path dir = Files.createDirectories(root.resolve("marks"));
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path file = Files.createFile(dir.resolve("marks.log"));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
            return new Marks(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path file() {
        return file;
    }

    /** A folder next to the file that every user can write (gates, escape targets). */
    Path dir() {
        return file.getParent();
    }

    List<String> lines() {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How many lines equal {@code line}. */
    long count(String line) {
        return lines().stream().filter(line::equals).count();
    }

    /** A book's {@code defaults:} block that gives every recipe {@code MARKS=<this file>}. */
    String defaultsEnv() {
        return "defaults:\n  env: {MARKS: \"" + file + "\"}\n";
    }

    @Override
    public String toString() {
        return file + ":\n" + String.join("\n", lines());
    }
}
