package dev.lfsfarm.cli.remote;

/** Runs a command's calls against the leading coordinator with one session, closed afterwards in order. */
final class RemoteCall {
    private RemoteCall() {}

    /** Runs {@code work}, retried against the leader as {@link CoordinatorSession#call} says. */
    static <T> T with(CoordinatorOptions coordinator, CoordinatorSession.Work<T> work) throws Exception {
        try (CoordinatorSession session = coordinator.open()) {
            return session.call(work);
        }
    }
}
