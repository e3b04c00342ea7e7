package dev.lfsfarm.common.input;

import java.util.List;
import java.util.stream.Collectors;

/** Bad operator input: carries every error found, so a book is reported in one go. The CLI exits 2. */
public final class InputException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient List<InputError> errors;

    public InputException(List<InputError> errors) {
        super(errors.stream().map(InputError::toString).collect(Collectors.joining("\n")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("an InputException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    public InputException(InputError error) {
        this(List.of(error));
    }

    public List<InputError> errors() {
        return errors;
    }
}
