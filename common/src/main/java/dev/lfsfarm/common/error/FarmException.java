package dev.lfsfarm.common.error;

/**
 * An expected failure of the farm's core (the lifecycle, the scheduler's callers, the dispatcher):
 * a kind that says what went wrong for the caller, and a message for a person. The core never
 * builds transport errors; the service edge maps each {@link Kind} to a gRPC status code once.
 */
public final class FarmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What kind of failure, as the caller should react to it. */
    public enum Kind {
        /** The request is malformed or names something impossible; do not retry it as it is. */
        INVALID_ARGUMENT,
        /** A build, package, worker or checkpoint of that name does not exist. */
        NOT_FOUND,
        /** It exists already (a worker name in use by another connected worker). */
        ALREADY_EXISTS,
        /** The state does not allow it now (retry a running build, calibrate an absent worker). */
        FAILED_PRECONDITION,
        /** Superseded by a newer leader epoch or attempt; the caller's view is out of date. */
        ABORTED,
        /** Not now: shutting down, deposed, or a store that cannot write; retry later, elsewhere. */
        UNAVAILABLE,
        /** Stored data is corrupt or cannot be read back (a checkpoint's entry list). */
        DATA_LOSS
    }

    private final Kind kind;

    public FarmException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public FarmException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static FarmException notFound(String message) {
        return new FarmException(Kind.NOT_FOUND, message);
    }

    public static FarmException invalid(String message) {
        return new FarmException(Kind.INVALID_ARGUMENT, message);
    }

    public static FarmException precondition(String message) {
        return new FarmException(Kind.FAILED_PRECONDITION, message);
    }

    public static FarmException unavailable(String message) {
        return new FarmException(Kind.UNAVAILABLE, message);
    }
}
