package dev.lfsfarm.common.input;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Gathers input errors while a whole book is read, then reports them together. */
public final class ErrorCollector {
    private final List<InputError> errors = new ArrayList<>();

    public void add(Location location, String field, String message) {
        errors.add(new InputError(location, field, message));
    }

    public void addAll(List<InputError> more) {
        errors.addAll(more);
    }

    public boolean isEmpty() {
        return errors.isEmpty();
    }

    public int size() {
        return errors.size();
    }

    /** Throws every collected error, sorted by file, line and column, if there is any. */
    public void throwIfAny() throws InputException {
        if (!errors.isEmpty()) {
            throw toException();
        }
    }

    /** Every collected error, sorted by file, line and column, as one exception; needs at least one error. */
    public InputException toException() {
        List<InputError> sorted = new ArrayList<>(errors);
        sorted.sort(Comparator.comparing(
                        (InputError e) -> String.valueOf(e.location().file()))
                .thenComparingInt(e -> e.location().line())
                .thenComparingInt(e -> e.location().column()));
        return new InputException(sorted);
    }
}
