package dev.lfsfarm.common.version;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A conjunction of comparisons such as {@code >= 2.76}, {@code = 1.3.7} or the range
 * {@code >= 2.76, < 3}. An empty constraint accepts every version.
 */
public final class VersionConstraint {
    private static final Pattern CLAUSE = Pattern.compile("\\s*(>=|<=|==|!=|=|<|>)\\s*([^\\s,]+)\\s*");

    /** One comparison. */
    public record Clause(String operator, Version version) {
        boolean accepts(Version candidate) {
            int c = candidate.compareTo(version);
            return switch (operator) {
                case ">=" -> c >= 0;
                case "<=" -> c <= 0;
                case ">" -> c > 0;
                case "<" -> c < 0;
                case "!=" -> c != 0;
                default -> c == 0; // "=" and "=="
            };
        }

        @Override
        public String toString() {
            return operator + " " + version;
        }
    }

    public static final VersionConstraint ANY = new VersionConstraint(List.of());

    private final List<Clause> clauses;

    private VersionConstraint(List<Clause> clauses) {
        this.clauses = List.copyOf(clauses);
    }

    /**
     * Parses clauses separated by commas or spaces: {@code ">= 2.76"}, {@code ">=2.76, <3"},
     * {@code ">= 2.76 < 3"}. Throws {@link IllegalArgumentException} with a readable reason.
     */
    public static VersionConstraint parse(String text) {
        if (text.isBlank()) {
            return ANY;
        }
        List<Clause> clauses = new ArrayList<>();
        String rest = text.trim();
        while (!rest.isEmpty()) {
            Matcher m = CLAUSE.matcher(rest);
            if (!m.lookingAt()) {
                throw new IllegalArgumentException("bad version constraint '" + text.trim()
                        + "' (expected clauses like '>= 2.76', '= 1.3.7' or '>= 2.76, < 3')");
            }
            try {
                clauses.add(new Clause(m.group(1), Version.parse(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "bad version constraint '" + text.trim() + "': " + e.getMessage(), e);
            }
            rest = rest.substring(m.end());
            if (rest.startsWith(",")) {
                rest = rest.substring(1).trim();
                if (rest.isEmpty()) {
                    throw new IllegalArgumentException(
                            "bad version constraint '" + text.trim() + "' (ends with a comma)");
                }
            }
        }
        return new VersionConstraint(clauses);
    }

    public boolean accepts(Version version) {
        for (Clause clause : clauses) {
            if (!clause.accepts(version)) {
                return false;
            }
        }
        return true;
    }

    public boolean isAny() {
        return clauses.isEmpty();
    }

    public List<Clause> clauses() {
        return clauses;
    }

    @Override
    public String toString() {
        return String.join(", ", clauses.stream().map(Clause::toString).toList());
    }
}
