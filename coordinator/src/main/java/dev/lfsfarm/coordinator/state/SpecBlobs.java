package dev.lfsfarm.coordinator.state;

import java.io.IOException;

/** Where a registry keeps build requests too big for a znode: content-addressed, shared by every coordinator. */
public interface SpecBlobs {
    /** Stores {@code bytes}; returns their SHA-256 (hex). */
    String put(byte[] bytes) throws IOException;

    /** The bytes with this SHA-256; IOException naming the digest if they are not there. */
    byte[] get(String sha256) throws IOException;
}
