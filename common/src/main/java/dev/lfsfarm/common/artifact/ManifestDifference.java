package dev.lfsfarm.common.artifact;

/**
 * One way a tree on disk differs from a {@link dev.lfsfarm.proto.v1.Manifest}.
 *
 * @param path     the entry's path relative to the root
 * @param kind     what differs
 * @param expected the manifest's value (empty for EXTRA)
 * @param actual   what is on disk (empty for MISSING)
 */
public record ManifestDifference(String path, Kind kind, String expected, String actual) {

    /** What differs. */
    public enum Kind {
        /** In the manifest, not on disk. */
        MISSING,
        /** On disk, not in the manifest. */
        EXTRA,
        /** File, directory or symlink on one side, another type on the other. */
        TYPE,
        /** Permission bits (07777), compared for files and directories. */
        MODE,
        /** Size of a regular file. */
        SIZE,
        /** SHA-256 of a regular file's content. */
        SHA256,
        /** Target of a symlink. */
        LINK_TARGET
    }

    @Override
    public String toString() {
        switch (kind) {
            case MISSING:
                return path + ": missing (expected " + expected + ")";
            case EXTRA:
                return path + ": not in the manifest (" + actual + ")";
            default:
                return path + ": "
                        + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " expected " + expected
                        + ", actual " + actual;
        }
    }
}
