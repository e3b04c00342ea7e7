package dev.lfsfarm.common.artifact;

import java.io.IOException;

/**
 * An artifact entry that extraction refuses because it could write, or later lead a writer,
 * outside the extraction root (absolute path, {@code ..}, a symlink escaping the root, a path
 * through a symlink, a hard link to something not extracted from the same archive) or because
 * it is a kind of file an artifact must not contain (device, fifo). The whole artifact should be
 * treated as untrusted: entries before the refused one may already be extracted.
 */
public final class UnsafeArtifactException extends IOException {

    private final String entryName;
    private final String reason;

    public UnsafeArtifactException(String entryName, String reason) {
        super("unsafe artifact entry '" + entryName + "': " + reason);
        this.entryName = entryName;
        this.reason = reason;
    }

    /** The entry's name as stored in the archive. */
    public String entryName() {
        return entryName;
    }

    /** Why it was refused. */
    public String reason() {
        return reason;
    }
}
