package dev.lfsfarm.coordinator.state;

/**
 * A registry write was refused because this coordinator is no longer the leader (another leader
 * bumped the epoch, or this one's ZooKeeper session is gone). Whoever sees it stops at once.
 */
public final class FencedException extends RuntimeException {
    public FencedException(String message, Throwable cause) {
        super(message, cause);
    }
}
