package dev.lfsfarm.common.input;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed, schema-checked access to one mapping. Every problem (unknown key, wrong type, value out of
 * range) is recorded in the shared {@link ErrorCollector} with its location and field path, and a
 * fallback value is returned so reading goes on and all errors of a book are found in one pass.
 */
public final class MapReader {
    private final MapNode node;
    private final String path;
    private final ErrorCollector errors;

    private MapReader(MapNode node, String path, ErrorCollector errors) {
        this.node = node;
        this.path = path;
        this.errors = errors;
    }

    /**
     * Reads {@code value} as a mapping allowing only {@code allowed} keys. A value that is not a
     * mapping is reported and read as an empty one. A null {@code allowed} accepts any key.
     */
    public static MapReader of(Node value, String path, ErrorCollector errors, Set<String> allowed) {
        MapNode map;
        if (value instanceof MapNode m) {
            map = m;
        } else {
            errors.add(value.location(), path, "expected a mapping, found " + value.kind());
            map = new MapNode(value.location(), Map.of());
        }
        MapReader reader = new MapReader(map, path, errors);
        if (allowed != null) {
            reader.rejectUnknown(allowed);
        }
        return reader;
    }

    /** Reads {@code value} as a mapping that may hold any keys (graph files ignore unknown fields). */
    public static MapReader lenient(Node value, String path, ErrorCollector errors) {
        return of(value, path, errors, null);
    }

    private void rejectUnknown(Set<String> allowed) {
        for (MapNode.Entry entry : node.entries().values()) {
            if (!allowed.contains(entry.key())) {
                String hint = Suggestions.closest(entry.key(), allowed)
                        .map(s -> " (did you mean '" + s + "'?)")
                        .orElse(" (allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
                errors.add(entry.keyLocation(), field(entry.key()), "unknown field" + hint);
            }
        }
    }

    public Location location() {
        return node.location();
    }

    public boolean has(String key) {
        return node.get(key) != null && !isNull(node.get(key));
    }

    /** The location of the key's value, or of this mapping when the key is absent. */
    public Location locationOf(String key) {
        Node value = node.get(key);
        return value == null ? node.location() : value.location();
    }

    /** The full field path of a key, e.g. {@code resources.memory_mb}. */
    public String field(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public Node raw(String key) {
        return node.get(key);
    }

    public String string(String key, String fallback) {
        Node value = node.get(key);
        if (value == null || isNull(value)) {
            return fallback;
        }
        if (value instanceof ScalarNode s && s.type() != ScalarNode.Type.NULL) {
            return s.text();
        }
        errors.add(value.location(), field(key), "expected a string, found " + value.kind());
        return fallback;
    }

    public String requiredString(String key) {
        if (!has(key)) {
            errors.add(node.location(), field(key), "missing (required)");
            return null;
        }
        String text = string(key, null);
        if (text != null && text.isBlank()) {
            errors.add(locationOf(key), field(key), "must not be empty");
            return null;
        }
        return text;
    }

    public double number(String key, double fallback, double min) {
        Node value = node.get(key);
        if (value == null || isNull(value)) {
            return fallback;
        }
        if (value instanceof ScalarNode s && s.isNumber()) {
            double parsed = Double.parseDouble(s.text());
            if (parsed < min || Double.isNaN(parsed) || Double.isInfinite(parsed)) {
                errors.add(value.location(), field(key), "must be a number >= " + format(min) + ", found " + s.text());
                return fallback;
            }
            return parsed;
        }
        errors.add(value.location(), field(key), "expected a number, found " + value.kind());
        return fallback;
    }

    public int integer(String key, int fallback, int min) {
        Node value = node.get(key);
        if (value == null || isNull(value)) {
            return fallback;
        }
        if (value instanceof ScalarNode s && s.type() == ScalarNode.Type.INTEGER) {
            long parsed;
            try {
                parsed = Long.parseLong(s.text());
            } catch (NumberFormatException e) {
                parsed = Long.MIN_VALUE;
            }
            if (parsed < min || parsed > Integer.MAX_VALUE) {
                errors.add(value.location(), field(key), "must be a whole number >= " + min + ", found " + s.text());
                return fallback;
            }
            return (int) parsed;
        }
        errors.add(value.location(), field(key), "expected a whole number, found " + value.kind());
        return fallback;
    }

    public boolean bool(String key, boolean fallback) {
        Node value = node.get(key);
        if (value == null || isNull(value)) {
            return fallback;
        }
        if (value instanceof ScalarNode s && s.type() == ScalarNode.Type.BOOLEAN) {
            return Boolean.parseBoolean(s.text());
        }
        errors.add(value.location(), field(key), "expected true or false, found " + value.kind());
        return fallback;
    }

    /** A list of strings; non-string items are reported and dropped. A single string counts as a list of one. */
    public List<ScalarNode> stringList(String key) {
        Node value = node.get(key);
        if (value == null || isNull(value)) {
            return List.of();
        }
        if (value instanceof ScalarNode s && s.type() == ScalarNode.Type.STRING) {
            return List.of(s);
        }
        if (!(value instanceof ListNode list)) {
            errors.add(value.location(), field(key), "expected a list of strings, found " + value.kind());
            return List.of();
        }
        List<ScalarNode> result = new ArrayList<>();
        for (int i = 0; i < list.items().size(); i++) {
            Node item = list.items().get(i);
            if (item instanceof ScalarNode s && s.type() == ScalarNode.Type.STRING) {
                result.add(s);
            } else {
                errors.add(item.location(), field(key) + "[" + i + "]", "expected a string, found " + item.kind());
            }
        }
        return result;
    }

    /** A mapping of string keys to scalar values (numbers and booleans are kept as written). */
    public Map<String, String> stringMap(String key) {
        Node value = node.get(key);
        if (value == null || isNull(value)) {
            return Map.of();
        }
        if (!(value instanceof MapNode map)) {
            errors.add(value.location(), field(key), "expected a mapping, found " + value.kind());
            return Map.of();
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (MapNode.Entry entry : map.entries().values()) {
            if (entry.value() instanceof ScalarNode s && s.type() != ScalarNode.Type.NULL) {
                result.put(entry.key(), s.text());
            } else {
                errors.add(
                        entry.value().location(),
                        field(key) + "." + entry.key(),
                        "expected a single value, found " + entry.value().kind());
            }
        }
        return Collections.unmodifiableMap(result);
    }

    /** A nested mapping, schema-checked; absent means an empty mapping. */
    public MapReader map(String key, Set<String> allowed) {
        Node value = node.get(key);
        if (value == null || isNull(value)) {
            return new MapReader(new MapNode(node.location(), Map.of()), field(key), errors);
        }
        return of(value, field(key), errors, allowed);
    }

    public void error(String key, String message) {
        errors.add(locationOf(key), field(key), message);
    }

    private static boolean isNull(Node value) {
        return value instanceof ScalarNode s && s.type() == ScalarNode.Type.NULL;
    }

    private static String format(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}
