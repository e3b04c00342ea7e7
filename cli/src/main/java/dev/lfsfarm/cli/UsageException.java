package dev.lfsfarm.cli;

/** A wrong combination of flags or arguments that picocli cannot catch by itself. Exit code 2. */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
