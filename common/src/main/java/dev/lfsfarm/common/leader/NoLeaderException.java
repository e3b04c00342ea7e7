package dev.lfsfarm.common.leader;

/**
 * No coordinator leads right now, as far as the locator can tell (election in progress, no
 * coordinator running, or ZooKeeper out of reach). Callers treat it like UNAVAILABLE: wait and ask
 * again, within their own time bound.
 */
public final class NoLeaderException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public NoLeaderException(String message) {
        super(message);
    }
}
