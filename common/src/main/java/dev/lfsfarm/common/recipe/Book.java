package dev.lfsfarm.common.recipe;

import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.input.Location;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A loaded, validated book: its recipes in book order (file-name order for a book folder, file
 * order for a graph file), its profiles, and its defaults already applied. Every dependency
 * target is the id of a recipe in the book.
 *
 * @param source the book folder or the graph file
 * @param name the book's name
 * @param defaultProfile the profile used when none is asked for
 * @param profiles profiles by name
 * @param recipes recipes in book order
 */
public record Book(
        Path source, String name, String defaultProfile, Map<String, Profile> profiles, List<Recipe> recipes) {

    public Book {
        profiles = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(profiles));
        recipes = List.copyOf(recipes);
    }

    /**
     * A book assembled from recipes that did not come from files here (a book submitted over the
     * wire): the same reference and constraint checks as {@link BookLoader}, all errors together.
     */
    public static Book checked(
            Path source, String name, String defaultProfile, Map<String, Profile> profiles, List<Recipe> recipes)
            throws InputException {
        dev.lfsfarm.common.input.ErrorCollector errors = new dev.lfsfarm.common.input.ErrorCollector();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Recipe r : recipes) {
            if (!seen.add(r.id())) {
                errors.add(r.location(), "id", "duplicate package id '" + r.id() + "'");
            }
        }
        List<Recipe> resolved = new ReferenceChecker(recipes, errors).check();
        List<BookLoader.PackageReference> references = new java.util.ArrayList<>();
        for (Profile p : profiles.values()) {
            p.optional()
                    .forEach(id -> references.add(new BookLoader.PackageReference(
                            id, Location.of(source), "profiles." + p.name() + ".optional")));
            if (p.sbuReference() != null) {
                references.add(new BookLoader.PackageReference(
                        p.sbuReference(), Location.of(source), "profiles." + p.name() + ".sbu_reference"));
            }
        }
        ReferenceChecker.checkReferences(references, resolved, errors);
        BookLoader.checkSbuReferences(references, resolved, errors);
        errors.throwIfAny();
        return new Book(source, name, defaultProfile, profiles, resolved);
    }

    public Optional<Recipe> recipe(String id) {
        return recipes.stream().filter(r -> r.id().equals(id)).findFirst();
    }

    /**
     * The profile named {@code name}, or the book's default when {@code name} is null (the built-in
     * {@link Profile#DEFAULT} when the book defines no profile of that name).
     *
     * @throws InputException naming the known profiles when there is no such profile
     */
    public Profile profile(String name) throws InputException {
        String wanted = name == null ? defaultProfile : name;
        Profile profile = profiles.get(wanted);
        if (profile == null) {
            if (name == null) {
                return Profile.DEFAULT;
            }
            throw new InputException(new InputError(
                    Location.of(source),
                    "profile",
                    "no profile '" + wanted + "' (profiles: " + String.join(", ", profiles.keySet()) + ")"));
        }
        return profile;
    }
}
