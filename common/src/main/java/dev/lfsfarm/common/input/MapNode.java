package dev.lfsfarm.common.input;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A mapping with its keys in file order. */
public record MapNode(Location location, Map<String, Entry> entries) implements Node {

    /** One key with the location of the key itself and its value. */
    public record Entry(String key, Location keyLocation, Node value) {}

    public MapNode {
        entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    public Node get(String key) {
        Entry entry = entries.get(key);
        return entry == null ? null : entry.value();
    }

    @Override
    public String kind() {
        return "a mapping";
    }
}
