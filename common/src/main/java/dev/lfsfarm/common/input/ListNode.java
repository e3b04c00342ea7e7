package dev.lfsfarm.common.input;

import java.util.List;

/** A sequence: YAML block/flow list or JSON array. */
public record ListNode(Location location, List<Node> items) implements Node {

    public ListNode {
        items = List.copyOf(items);
    }

    @Override
    public String kind() {
        return "a list";
    }
}
