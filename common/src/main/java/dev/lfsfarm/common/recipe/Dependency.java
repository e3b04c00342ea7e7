package dev.lfsfarm.common.recipe;

import dev.lfsfarm.common.input.Location;
import dev.lfsfarm.common.version.VersionConstraint;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One dependency entry, e.g. {@code "glib >= 2.76"} under {@code depends.required}.
 *
 * @param target the id of the package depended on (after loading: always an id in the book)
 * @param constraint the versions of the target that satisfy this entry
 * @param dependencyClass required, recommended, optional or runtime
 * @param location where the entry is written
 * @param field the entry's field path, e.g. {@code depends.required[1]}, for error messages
 */
public record Dependency(
        String target, VersionConstraint constraint, DependencyClass dependencyClass, Location location, String field) {
    private static final Pattern ENTRY = Pattern.compile("\\s*(" + Recipe.ID_PATTERN + ")\\s*(.*)", Pattern.DOTALL);

    /** Parses {@code "name [constraint]"}; throws {@link IllegalArgumentException} with a readable reason. */
    public static Dependency parse(String text, DependencyClass dependencyClass, Location location, String field) {
        if (Recipe.isValidId(text)) { // the common case: a bare id, no constraint
            return new Dependency(text, VersionConstraint.ANY, dependencyClass, location, field);
        }
        Matcher m = ENTRY.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a dependency (expected a package id, "
                    + "optionally followed by a version constraint such as '>= 2.76')");
        }
        VersionConstraint constraint = VersionConstraint.parse(m.group(2));
        return new Dependency(m.group(1), constraint, dependencyClass, location, field);
    }

    /** The same entry pointing at another id (used when a name resolves to an id). */
    public Dependency withTarget(String id) {
        if (id.equals(target)) {
            return this;
        }
        return new Dependency(id, constraint, dependencyClass, location, field);
    }

    @Override
    public String toString() {
        return constraint.isAny() ? target : target + " " + constraint;
    }
}
