package dev.lfsfarm.cli.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Reading the build JSON of {@code farm status -o json} and {@code farm submit --follow -o json}. */
final class BuildView {
    private final JsonNode build;

    BuildView(JsonNode build) {
        this.build = build;
    }

    JsonNode json() {
        return build;
    }

    String id() {
        return build.path("build_id").asText();
    }

    String state() {
        return build.path("state").asText();
    }

    /** Every package by id. */
    Map<String, JsonNode> packages() {
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        for (JsonNode p : build.path("packages")) {
            byId.put(p.path("id").asText(), p);
        }
        return byId;
    }

    JsonNode pkg(String id) {
        JsonNode p = packages().get(id);
        if (p == null) {
            throw new AssertionError("the build has no package " + id + ": " + build.toPrettyString());
        }
        return p;
    }

    /** id → state, sorted by id (readable in assertion messages). */
    Map<String, String> states() {
        Map<String, String> states = new TreeMap<>();
        packages().forEach((id, p) -> states.put(id, p.path("state").asText()));
        return states;
    }

    /** id → a field as text, sorted by id. */
    Map<String, String> field(String name) {
        Map<String, String> values = new TreeMap<>();
        packages().forEach((id, p) -> values.put(id, p.path(name).asText()));
        return values;
    }

    @Override
    public String toString() {
        return build.toPrettyString();
    }
}
