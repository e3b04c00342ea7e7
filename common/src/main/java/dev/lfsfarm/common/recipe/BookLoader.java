package dev.lfsfarm.common.recipe;

import dev.lfsfarm.common.input.DocumentReader;
import dev.lfsfarm.common.input.ErrorCollector;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.input.Location;
import dev.lfsfarm.common.input.MapNode;
import dev.lfsfarm.common.input.MapReader;
import dev.lfsfarm.common.input.Node;
import dev.lfsfarm.common.input.ScalarNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Loads a book folder: {@code farm.yaml} (name, defaults, profiles) and {@code packages/*.yaml},
 * one recipe per file. All errors of the whole book are collected and thrown together.
 */
public final class BookLoader {
    static final String BOOK_FILE = "farm.yaml";
    private static final Set<String> BOOK_KEYS =
            Set.of("name", "description", "default_profile", "defaults", "profiles");
    private static final Set<String> DEFAULT_KEYS = Set.of("sbu", "parallel_jobs", "resources", "labels", "env");
    private static final Set<String> PROFILE_KEYS =
            Set.of("recommended", "optional", "skip_check", "env", "break_cycles", "sbu_reference");

    private BookLoader() {}

    /** Loads and validates the book in {@code folder}. */
    public static Book load(Path folder) throws InputException {
        ErrorCollector errors = new ErrorCollector();
        Path root = folder.toAbsolutePath().normalize();
        Path bookFile = root.resolve(BOOK_FILE);
        DocumentReader reader = new DocumentReader(errors);
        if (!Files.isRegularFile(bookFile)) {
            errors.add(
                    Location.of(bookFile),
                    "",
                    "no farm.yaml here: a book is a folder with farm.yaml and packages/*.yaml");
            errors.throwIfAny();
        }
        Node bookDoc = reader.readYaml(bookFile);
        MapReader book = bookDoc == null ? null : MapReader.of(bookDoc, "", errors, BOOK_KEYS);
        String name = book == null ? root.getFileName().toString() : book.requiredString("name");
        if (book != null) {
            book.string("description", "");
        }
        RecipeDefaults defaults =
                book == null ? RecipeDefaults.BUILT_IN : readDefaults(book.map("defaults", DEFAULT_KEYS));
        List<PackageReference> references = new ArrayList<>();
        Map<String, Profile> profiles = book == null ? Map.of() : readProfiles(book, errors, references);
        String defaultProfile = book == null ? "default" : book.string("default_profile", "default");
        if (book != null && book.has("default_profile") && !profiles.containsKey(defaultProfile)) {
            book.error("default_profile", "no profile '" + defaultProfile + "' in profiles");
        }

        List<Recipe> recipes = readRecipes(root, defaults, reader, errors);
        List<Recipe> checked = new ReferenceChecker(recipes, errors).check();
        ReferenceChecker.checkReferences(references, checked, errors);
        checkSbuReferences(references, checked, errors);
        errors.throwIfAny();
        return new Book(root, name, defaultProfile, profiles, checked);
    }

    private static List<Recipe> readRecipes(
            Path root, RecipeDefaults defaults, DocumentReader reader, ErrorCollector errors) throws InputException {
        Path packages = root.resolve("packages");
        if (!Files.isDirectory(packages)) {
            errors.add(Location.of(packages), "", "no packages/ folder: recipes go in packages/<id>.yaml");
            errors.throwIfAny();
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(packages)) {
            files = listing.filter(
                            p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            errors.add(Location.of(packages), "", "cannot list: " + e.getMessage());
            errors.throwIfAny();
            return List.of();
        }
        if (files.isEmpty()) {
            errors.add(Location.of(packages), "", "no recipes (packages/*.yaml)");
        }
        RecipeReader recipeReader = new RecipeReader(root, defaults, errors);
        Map<String, Recipe> byId = new LinkedHashMap<>();
        for (Path file : files) {
            Node doc = reader.readYaml(file);
            if (doc == null) {
                continue;
            }
            String fileName = file.getFileName().toString();
            String fileId = fileName.substring(0, fileName.lastIndexOf('.'));
            Recipe recipe = recipeReader.read(doc, fileId, Location.of(file));
            if (recipe.id() == null) {
                continue;
            }
            Recipe previous = byId.putIfAbsent(recipe.id(), recipe);
            if (previous != null) {
                Location at = doc instanceof MapNode m && m.get("id") != null
                        ? m.get("id").location()
                        : Location.of(file);
                errors.add(
                        at,
                        "id",
                        "duplicate package id '" + recipe.id() + "' (also defined in "
                                + previous.location().file() + ")");
            }
        }
        return new ArrayList<>(byId.values());
    }

    private static RecipeDefaults readDefaults(MapReader d) {
        RecipeDefaults b = RecipeDefaults.BUILT_IN;
        return new RecipeDefaults(
                d.number("sbu", b.sbu(), 0),
                d.integer("parallel_jobs", b.parallelJobs(), 1),
                RecipeReader.readResources(d.map("resources", RecipeReader.RESOURCE_KEYS), b.resources()),
                d.stringMap("labels"),
                d.stringMap("env"));
    }

    /** A package id named in farm.yaml, checked once the recipes are read. */
    record PackageReference(String id, Location location, String field) {}

    /**
     * A profile's {@code sbu_reference} must name a recipe worth some SBU: calibration divides the
     * measured wall time by it. (An unknown id is reported with the other references.)
     */
    static void checkSbuReferences(List<PackageReference> references, List<Recipe> recipes, ErrorCollector errors) {
        for (PackageReference ref : references) {
            if (!ref.field().endsWith(".sbu_reference")) {
                continue;
            }
            recipes.stream()
                    .filter(r -> r.id().equals(ref.id()) && r.sbu() <= 0)
                    .findFirst()
                    .ifPresent(r -> errors.add(
                            ref.location(),
                            ref.field(),
                            "package '" + r.id() + "' has sbu "
                                    + java.math.BigDecimal.valueOf(r.sbu())
                                            .stripTrailingZeros()
                                            .toPlainString()
                                    + " (" + r.location()
                                    + "); an SBU reference needs sbu > 0 (1 for binutils pass 1)"));
        }
    }

    private static Map<String, Profile> readProfiles(
            MapReader book, ErrorCollector errors, List<PackageReference> references) {
        Map<String, Profile> profiles = new LinkedHashMap<>();
        Node node = book.raw("profiles");
        if (node == null) {
            return profiles;
        }
        MapReader all = MapReader.lenient(node, "profiles", errors);
        if (!(node instanceof MapNode map)) {
            return profiles;
        }
        for (MapNode.Entry entry : map.entries().values()) {
            MapReader p = all.map(entry.key(), PROFILE_KEYS);
            profiles.put(entry.key(), readProfile(entry.key(), p, errors, references));
        }
        return profiles;
    }

    private static Profile readProfile(
            String name, MapReader p, ErrorCollector errors, List<PackageReference> references) {
        boolean breakAll = false;
        List<Profile.EdgeRule> rules = new ArrayList<>();
        Node breakNode = p.raw("break_cycles");
        if (breakNode instanceof ScalarNode s && s.type() == ScalarNode.Type.BOOLEAN) {
            breakAll = p.bool("break_cycles", false);
        } else {
            for (ScalarNode rule : p.stringList("break_cycles")) {
                String[] parts = rule.text().split("->");
                if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                    errors.add(
                            rule.location(),
                            p.field("break_cycles"),
                            "'" + rule.text() + "' is not an edge (expected 'package -> dependency')");
                } else {
                    rules.add(new Profile.EdgeRule(parts[0].trim(), parts[1].trim(), rule.location()));
                    references.add(new PackageReference(parts[0].trim(), rule.location(), p.field("break_cycles")));
                    references.add(new PackageReference(parts[1].trim(), rule.location(), p.field("break_cycles")));
                }
            }
        }
        Set<String> optional = new java.util.LinkedHashSet<>();
        for (ScalarNode id : p.stringList("optional")) {
            optional.add(id.text());
            references.add(new PackageReference(id.text(), id.location(), p.field("optional")));
        }
        return new Profile(
                name,
                p.bool("recommended", true),
                optional,
                p.bool("skip_check", false),
                p.stringMap("env"),
                rules,
                breakAll,
                readSbuReference(p, errors, references));
    }

    /** {@code sbu_reference: <recipe id>}: the package {@code farm calibrate} builds as 1 SBU's worth of work. */
    private static String readSbuReference(MapReader p, ErrorCollector errors, List<PackageReference> references) {
        Node node = p.raw("sbu_reference");
        if (node == null || !p.has("sbu_reference")) {
            return null;
        }
        if (!(node instanceof ScalarNode scalar) || scalar.type() != ScalarNode.Type.STRING) {
            errors.add(
                    node.location(),
                    p.field("sbu_reference"),
                    "expected a package id (a string), found " + node.kind());
            return null;
        }
        String id = scalar.text().trim();
        if (!Recipe.isValidId(id)) {
            errors.add(node.location(), p.field("sbu_reference"), "'" + scalar.text() + "' is not a package id");
            return null;
        }
        references.add(new PackageReference(id, node.location(), p.field("sbu_reference")));
        return id;
    }
}
