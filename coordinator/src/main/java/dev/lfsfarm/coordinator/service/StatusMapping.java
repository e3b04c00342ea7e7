package dev.lfsfarm.coordinator.service;

import dev.lfsfarm.common.error.FarmException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;

/**
 * The one place the core's {@link FarmException}s become gRPC statuses: each {@link
 * FarmException.Kind} maps to the status code of the same name, and the message becomes the
 * description, word for word.
 */
public final class StatusMapping {
    private StatusMapping() {}

    /** The status for a core failure. */
    public static Status status(FarmException e) {
        Status code = switch (e.kind()) {
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            case ABORTED -> Status.ABORTED;
            case UNAVAILABLE -> Status.UNAVAILABLE;
            case DATA_LOSS -> Status.DATA_LOSS;
        };
        return code.withDescription(e.getMessage());
    }

    public static StatusRuntimeException exception(FarmException e) {
        return status(e).asRuntimeException();
    }

    /**
     * The status an error stands for: a core failure (unwrapped from a future's CompletionException)
     * by its kind, a status exception as it is, anything else through {@link Status#fromThrowable}.
     */
    public static Status of(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof FarmException f) {
            return status(f);
        }
        return Status.fromThrowable(cause);
    }
}
