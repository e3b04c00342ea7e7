package dev.lfsfarm.common.artifact;

import dev.lfsfarm.common.artifact.ManifestDifference.Kind;
import dev.lfsfarm.proto.v1.EntryType;
import dev.lfsfarm.proto.v1.Manifest;
import dev.lfsfarm.proto.v1.ManifestEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares a tree on disk with a {@link Manifest}: type, permission bits, size, content hash and
 * symlink target of every entry, plus entries the manifest does not list. Used to check a staged
 * sysroot or a restored checkpoint, and by tests that compare trees byte for byte. Symlinks are
 * never followed; symlink modes are not compared (Linux has no lchmod).
 */
public final class ManifestVerifier {

    private ManifestVerifier() {}

    /** Every difference between {@code root} and {@code manifest}, extra entries included; empty when they match. */
    public static List<ManifestDifference> verify(Manifest manifest, Path root) throws IOException {
        return verify(manifest, root, true);
    }

    /**
     * Differences between {@code root} and {@code manifest}, sorted by path. With {@code
     * reportExtra} false, entries on disk that the manifest does not list are ignored (a sysroot
     * holding several artifacts checked against one of them).
     */
    public static List<ManifestDifference> verify(Manifest manifest, Path root, boolean reportExtra)
            throws IOException {
        Map<String, TreeEntry> actual = new HashMap<>();
        List<TreeEntry> scanned = TreeScanner.scan(root);
        for (TreeEntry entry : scanned) {
            actual.put(entry.path(), entry);
        }
        List<ManifestDifference> differences = new ArrayList<>();
        Map<String, ManifestEntry> expected = new HashMap<>();
        for (ManifestEntry want : manifest.getEntriesList()) {
            expected.put(want.getPath(), want);
            TreeEntry have = actual.get(want.getPath());
            if (have == null) {
                differences.add(new ManifestDifference(want.getPath(), Kind.MISSING, describe(want), ""));
            } else {
                compare(want, have, differences);
            }
        }
        if (reportExtra) {
            for (TreeEntry have : scanned) {
                if (!expected.containsKey(have.path())) {
                    differences.add(new ManifestDifference(have.path(), Kind.EXTRA, "", describe(have)));
                }
            }
        }
        differences.sort((a, b) -> TreeScanner.PATH_ORDER.compare(a.path(), b.path()));
        return differences;
    }

    private static void compare(ManifestEntry want, TreeEntry have, List<ManifestDifference> out) throws IOException {
        String path = want.getPath();
        if (want.getType() != have.type()) {
            out.add(new ManifestDifference(path, Kind.TYPE, typeName(want.getType()), describe(have)));
            return;
        }
        if (want.getType() != EntryType.ENTRY_TYPE_SYMLINK && (want.getMode() & 07777) != have.mode()) {
            out.add(new ManifestDifference(path, Kind.MODE, octal(want.getMode()), octal(have.mode())));
        }
        if (want.getType() == EntryType.ENTRY_TYPE_FILE) {
            if (want.getSizeBytes() != have.size()) {
                out.add(new ManifestDifference(
                        path, Kind.SIZE, Long.toString(want.getSizeBytes()), Long.toString(have.size())));
            } else {
                String sha256 = Sha256.of(have.file());
                if (!sha256.equals(want.getSha256())) {
                    out.add(new ManifestDifference(path, Kind.SHA256, want.getSha256(), sha256));
                }
            }
        } else if (want.getType() == EntryType.ENTRY_TYPE_SYMLINK
                && !want.getLinkTarget().equals(have.linkTarget())) {
            out.add(new ManifestDifference(path, Kind.LINK_TARGET, want.getLinkTarget(), have.linkTarget()));
        }
    }

    private static String describe(ManifestEntry entry) {
        return typeName(entry.getType());
    }

    private static String describe(TreeEntry entry) {
        return entry.special() != null ? entry.special() : typeName(entry.type());
    }

    private static String typeName(EntryType type) {
        switch (type) {
            case ENTRY_TYPE_FILE:
                return "file";
            case ENTRY_TYPE_DIRECTORY:
                return "directory";
            case ENTRY_TYPE_SYMLINK:
                return "symlink";
            default:
                return "unknown type";
        }
    }

    private static String octal(int mode) {
        return String.format("%04o", mode & 07777);
    }
}
