package dev.lfsfarm.common.input;

/** A YAML or JSON value read together with where it stands in its file, so errors can name a line. */
public sealed interface Node permits MapNode, ListNode, ScalarNode {

    Location location();

    /** A word for the kind of value, used in "expected X, found Y" messages. */
    String kind();
}
