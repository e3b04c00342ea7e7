package dev.lfsfarm.common.recipe;

import dev.lfsfarm.common.input.DocumentReader;
import dev.lfsfarm.common.input.ErrorCollector;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.input.ListNode;
import dev.lfsfarm.common.input.Location;
import dev.lfsfarm.common.input.MapReader;
import dev.lfsfarm.common.input.Node;
import dev.lfsfarm.common.input.ScalarNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads a plain JSON dependency graph (no scripts), the shape of the LFS data files:
 * {@code {"packages":[{"id","version","sbu","parallel_jobs","required":[],"recommended":[],"optional":[],"runtime":[]}]}}.
 * Unknown fields are ignored; a missing {@code sbu} counts as the given default.
 */
public final class GraphFileLoader {
    private GraphFileLoader() {}

    public static Book load(Path file, double defaultSbu) throws InputException {
        ErrorCollector errors = new ErrorCollector();
        Path path = file.toAbsolutePath().normalize();
        Node doc = new DocumentReader(errors).readJson(path);
        errors.throwIfAny();
        MapReader root = MapReader.lenient(doc, "", errors);
        Node packages = root.raw("packages");
        if (!(packages instanceof ListNode list)) {
            root.error(
                    "packages",
                    packages == null
                            ? "missing (required): a list of packages"
                            : "expected a list of packages, found " + packages.kind());
            errors.throwIfAny();
            return null;
        }
        List<Recipe> recipes = new ArrayList<>(list.items().size());
        Map<String, Recipe> byId = new HashMap<>();
        for (int i = 0; i < list.items().size(); i++) {
            Recipe recipe = readPackage(
                    MapReader.lenient(list.items().get(i), "packages[" + i + "]", errors), defaultSbu, errors);
            if (recipe == null) {
                continue;
            }
            Recipe previous = byId.putIfAbsent(recipe.id(), recipe);
            if (previous != null) {
                errors.add(
                        recipe.location(),
                        "packages[" + i + "].id",
                        "duplicate package id '" + recipe.id() + "' (first at line "
                                + previous.location().line() + ")");
            } else {
                recipes.add(recipe);
            }
        }
        List<Recipe> checked = new ReferenceChecker(recipes, errors).check();
        Profile profile = enabledOptional(root, checked, errors);
        errors.throwIfAny();
        String name = path.getFileName().toString().replaceFirst("\\.json$", "");
        return new Book(path, name, profile.name(), Map.of(profile.name(), profile), checked);
    }

    /** The graph's one profile: the default, with the optional dependencies listed in {@code enabled_optional} on. */
    private static Profile enabledOptional(MapReader root, List<Recipe> recipes, ErrorCollector errors) {
        Set<String> ids = new HashSet<>();
        recipes.forEach(r -> ids.add(r.id()));
        Set<String> enabled = new LinkedHashSet<>();
        for (ScalarNode id : root.stringList("enabled_optional")) {
            if (ids.contains(id.text())) {
                enabled.add(id.text());
            } else {
                errors.add(id.location(), "enabled_optional", "unknown package '" + id.text() + "'");
            }
        }
        Profile d = Profile.DEFAULT;
        return new Profile(
                d.name(), d.recommended(), enabled, d.skipCheck(), d.env(), d.breakCycles(), d.breakAllCycles());
    }

    private static Recipe readPackage(MapReader p, double defaultSbu, ErrorCollector errors) {
        String id = p.requiredString("id");
        if (id == null) {
            return null;
        }
        if (!Recipe.isValidId(id)) {
            p.error("id", "'" + id + "' is not a valid package id");
            return null;
        }
        Node versionNode = p.raw("version");
        String version = versionNode instanceof ScalarNode s && s.type() != ScalarNode.Type.NULL ? s.text() : "";
        Map<DependencyClass, List<Dependency>> depends = new EnumMap<>(DependencyClass.class);
        for (DependencyClass c : DependencyClass.values()) {
            depends.put(c, DependencyListReader.read(p.stringList(c.key()), p.field(c.key()), c, errors, true));
        }
        Resources resources = new Resources(p.integer("memory_mb", 0, 0), (int) Math.ceil(p.number("disk_mb", 0, 0)));
        Location at = p.locationOf("id");
        return new Recipe(
                id,
                p.string("name", id),
                version,
                List.of(),
                depends,
                p.number("sbu", defaultSbu, 0),
                p.integer("parallel_jobs", 1, 1),
                resources,
                Map.of(),
                Map.of(),
                Map.of(),
                at);
    }
}
