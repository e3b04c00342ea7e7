package dev.lfsfarm.common.input;

/** A single value. {@code text} is the value as written (numbers keep their spelling). */
public record ScalarNode(Location location, Type type, String text) implements Node {

    /** What the parser made of the scalar. */
    public enum Type {
        STRING,
        INTEGER,
        DECIMAL,
        BOOLEAN,
        NULL
    }

    public boolean isNumber() {
        return type == Type.INTEGER || type == Type.DECIMAL;
    }

    @Override
    public String kind() {
        return switch (type) {
            case STRING -> "a string";
            case INTEGER -> "an integer";
            case DECIMAL -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "nothing (null)";
        };
    }
}
