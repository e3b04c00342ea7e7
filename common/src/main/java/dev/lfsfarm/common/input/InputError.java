package dev.lfsfarm.common.input;

/**
 * One problem with operator input: where it is, which field, and what is wrong.
 *
 * @param location file, line and column
 * @param field the field path inside the document, e.g. {@code depends.required[1]}; empty for the document itself
 * @param message what is wrong, written for a person
 */
public record InputError(Location location, String field, String message) {

    @Override
    public String toString() {
        return field == null || field.isEmpty() ? location + ": " + message : location + ": " + field + ": " + message;
    }
}
