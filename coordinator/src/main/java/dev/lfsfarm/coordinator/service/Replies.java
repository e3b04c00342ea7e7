package dev.lfsfarm.coordinator.service;

import dev.lfsfarm.common.error.FarmException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Completes a unary call from a dispatcher future: the value, or the precise status it failed with. */
final class Replies {
    private static final Logger log = LoggerFactory.getLogger(Replies.class);

    private Replies() {}

    static <T, R> void reply(CompletableFuture<T> future, Function<T, R> toResponse, StreamObserver<R> observer) {
        future.whenComplete((value, error) -> {
            if (error == null) {
                try {
                    observer.onNext(toResponse.apply(value));
                    observer.onCompleted();
                } catch (RuntimeException e) {
                    observer.onError(status(e));
                }
            } else {
                observer.onError(status(error));
            }
        });
    }

    static StatusRuntimeException status(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof StatusRuntimeException s) {
            return s;
        }
        if (cause instanceof FarmException f) {
            return StatusMapping.exception(f);
        }
        log.error("internal error", cause);
        return Status.INTERNAL.withDescription(cause.toString()).asRuntimeException();
    }
}
