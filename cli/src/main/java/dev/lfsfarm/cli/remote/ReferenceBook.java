package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.input.Location;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.BookLoader;
import dev.lfsfarm.common.recipe.Profile;
import dev.lfsfarm.common.recipe.Recipe;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The book and recipe {@code farm calibrate} builds: the {@code sbu_reference} of a profile of the
 * operator's book, or the reference book shipped in the farm jar (examples/sbu-reference),
 * unpacked into a temporary folder that {@link #close()} removes.
 *
 * @param folder the book folder
 * @param profile the profile asked for (null: the book's default)
 * @param recipe the reference recipe
 * @param shipped whether this is the shipped book (folder is then temporary)
 */
record ReferenceBook(Path folder, String profile, Recipe recipe, boolean shipped) implements AutoCloseable {
    /** Where the build puts the shipped book into the jar (cli/pom.xml). */
    static final String RESOURCE = "/dev/lfsfarm/cli/sbu-reference/";

    /** The reference of {@code book}'s profile, or the shipped one when {@code book} is null. */
    static ReferenceBook open(Path book, String profile) throws InputException {
        if (book == null) {
            if (profile != null) {
                throw new UsageException(
                        "--profile needs --book: the shipped reference book has only its default profile");
            }
            Path unpacked = unpackShipped();
            try {
                return of(unpacked, null, true);
            } catch (InputException | RuntimeException e) {
                delete(unpacked);
                throw e;
            }
        }
        return of(book, profile, false);
    }

    private static ReferenceBook of(Path folder, String profileName, boolean shipped) throws InputException {
        Book book = BookLoader.load(folder);
        Profile profile = book.profile(profileName);
        if (profile.sbuReference() == null) {
            String field = "profiles." + profile.name() + ".sbu_reference";
            throw new InputException(
                    new InputError(
                            Location.of(book.source().resolve("farm.yaml")),
                            field,
                            "missing: profile '" + profile.name()
                                    + "' names no SBU reference package; add 'sbu_reference: "
                                    + "<recipe id>' to it (binutils pass 1 in LFS), or leave out --book to use the shipped reference"));
        }
        // BookLoader checked that the id is a recipe of the book with sbu > 0.
        Recipe recipe = book.recipe(profile.sbuReference()).orElseThrow();
        return new ReferenceBook(book.source(), profileName, recipe, shipped);
    }

    /** Copies the shipped book out of the jar (or the classes folder, in tests) into a new temporary folder. */
    static Path unpackShipped() {
        URL marker = ReferenceBook.class.getResource(RESOURCE + "farm.yaml");
        if (marker == null) {
            throw new IllegalStateException("the shipped SBU reference book is missing from this farm jar (" + RESOURCE
                    + "); build the cli module again");
        }
        try {
            Path target = Files.createTempDirectory("farm-sbu-reference-");
            URI uri = marker.toURI();
            if ("jar".equals(uri.getScheme())) {
                try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                    copyTree(jar.getPath(RESOURCE), target);
                }
            } else {
                copyTree(Path.of(uri).getParent(), target);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the shipped SBU reference book: " + e.getMessage(), e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(from)) {
            entries = walk.toList();
        }
        for (Path entry : entries) {
            // Paths of two file systems (jar and disk): go through the relative path's text.
            Path target = to.resolve(from.relativize(entry).toString());
            if (Files.isDirectory(entry)) {
                Files.createDirectories(target);
            } else {
                try (InputStream in = Files.newInputStream(entry)) {
                    Files.copy(in, target);
                }
            }
        }
    }

    private static void delete(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A leftover temporary folder is not worth failing the command for.
        }
    }

    /** Removes the unpacked shipped book; an operator's book is left alone. */
    @Override
    public void close() {
        if (shipped) {
            delete(folder);
        }
    }
}
