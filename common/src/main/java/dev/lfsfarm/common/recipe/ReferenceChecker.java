package dev.lfsfarm.common.recipe;

import dev.lfsfarm.common.input.ErrorCollector;
import dev.lfsfarm.common.input.Suggestions;
import dev.lfsfarm.common.version.Version;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the references between recipes: every dependency names a package of the book (by id, or
 * by its name when exactly one package has it), and every version constraint holds. Optional
 * dependencies may name packages outside the book (BLFS lists many); those are dropped.
 */
final class ReferenceChecker {
    private final List<Recipe> recipes;
    private final ErrorCollector errors;
    private final Map<String, Recipe> byId = new HashMap<>();
    private final Map<String, List<Recipe>> byName = new HashMap<>();

    ReferenceChecker(List<Recipe> recipes, ErrorCollector errors) {
        this.recipes = recipes;
        this.errors = errors;
        for (Recipe r : recipes) {
            byId.put(r.id(), r);
            byName.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(r);
        }
    }

    /** The recipes with every dependency target rewritten to an id; errors go to the collector. */
    List<Recipe> check() {
        List<Recipe> result = new ArrayList<>(recipes.size());
        for (Recipe recipe : recipes) {
            Map<DependencyClass, List<Dependency>> resolved = new EnumMap<>(DependencyClass.class);
            boolean changed = false;
            for (DependencyClass c : DependencyClass.values()) {
                List<Dependency> kept = new ArrayList<>(recipe.depends(c).size());
                for (Dependency d : recipe.depends(c)) {
                    Recipe target = resolve(recipe, d);
                    if (target != null) {
                        checkConstraint(recipe, d, target);
                        kept.add(d.withTarget(target.id()));
                    }
                }
                changed |= !kept.equals(recipe.depends(c));
                resolved.put(c, kept);
            }
            // most recipes already name ids: keep them rather than copy 100,000 of them
            result.add(changed ? recipe.withDepends(resolved) : recipe);
        }
        return result;
    }

    private Recipe resolve(Recipe from, Dependency d) {
        Recipe target = byId.get(d.target());
        if (target == null) {
            List<Recipe> named = byName.getOrDefault(d.target(), List.of());
            if (named.size() == 1) {
                target = named.get(0);
            } else if (named.size() > 1) {
                errors.add(
                        d.location(),
                        d.field(),
                        "'" + d.target() + "' is the name of several packages ("
                                + String.join(
                                        ", ", named.stream().map(Recipe::id).toList()) + "); use an id");
                return null;
            }
        }
        if (target == null) {
            if (d.dependencyClass() != DependencyClass.OPTIONAL) {
                String hint = Suggestions.didYouMean(d.target(), byId.keySet());
                errors.add(
                        d.location(),
                        d.field(),
                        "unknown dependency '" + d.target() + "' of " + from.id()
                                + ": no package with that id in the book" + hint);
            }
            return null;
        }
        if (target.id().equals(from.id())) {
            errors.add(d.location(), d.field(), from.id() + " depends on itself");
            return null;
        }
        return target;
    }

    private void checkConstraint(Recipe from, Dependency d, Recipe target) {
        if (d.constraint().isAny()) {
            return;
        }
        String problem;
        try {
            problem = d.constraint().accepts(Version.parse(target.version())) ? null : "is version " + target.version();
        } catch (IllegalArgumentException e) {
            problem = "has no comparable version ('" + target.version() + "')";
        }
        if (problem != null) {
            errors.add(
                    d.location(),
                    d.field(),
                    from.id() + " " + d.dependencyClass().key() + " '" + d + "' but " + target.id() + " in the book "
                            + problem + " (" + target.location() + ")");
        }
    }

    /** Package ids named in farm.yaml (profiles) must be packages of the book. */
    static void checkReferences(
            List<BookLoader.PackageReference> references, List<Recipe> recipes, ErrorCollector errors) {
        Map<String, Recipe> byId = new HashMap<>();
        recipes.forEach(r -> byId.put(r.id(), r));
        for (BookLoader.PackageReference ref : references) {
            if (!byId.containsKey(ref.id())) {
                String hint = Suggestions.didYouMean(ref.id(), byId.keySet());
                errors.add(ref.location(), ref.field(), "unknown package '" + ref.id() + "'" + hint);
            }
        }
    }
}
