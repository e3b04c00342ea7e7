package dev.lfsfarm.common.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.common.artifact.ManifestDifference.Kind;
import dev.lfsfarm.proto.v1.Manifest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pack, extract and verify together: what comes out is what went in, byte for byte. */
class ArtifactRoundTripTest {

    @TempDir
    Path tmp;

    @Test
    void anEmptyArtifactExtractsNoEntries() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Manifest manifest = ArtifactPacker.pack(Files.createDirectories(tmp.resolve("empty")), out);

        assertThat(manifest.getEntriesCount()).isZero();
        assertThat(ArtifactExtractor.extract(new ByteArrayInputStream(out.toByteArray()), tmp.resolve("dst")))
                .isZero();
        assertThat(tmp.resolve("dst")).isEmptyDirectory();
    }

    @Test
    void extractRestoresTheTreeExactly() throws IOException {
        Path src = ArtifactTrees.sample(tmp.resolve("src"), false, 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Manifest manifest = ArtifactPacker.pack(src, out);
        Path dst = tmp.resolve("dst");

        int entries = ArtifactExtractor.extract(new ByteArrayInputStream(out.toByteArray()), dst);

        assertThat(entries).isEqualTo(manifest.getEntriesCount());
        assertThat(ArtifactTrees.snapshot(dst, null)).isEqualTo(ArtifactTrees.snapshot(src, null));
        assertThat(ManifestVerifier.verify(manifest, dst)).isEmpty();
        assertThat(ManifestVerifier.verify(manifest, src)).isEmpty();
        assertThat(Files.readSymbolicLink(dst.resolve("usr/lib/libabs.so")).toString())
                .isEqualTo("/usr/lib/libfoo.so.1");
        assertThat(Files.getAttribute(dst.resolve("usr/bin/suid-helper"), "unix:mode"))
                .isEqualTo(0100000 | 04755);
        assertThat(Files.getLastModifiedTime(dst.resolve("usr/bin/tool")))
                .isEqualTo(FileTime.from(ArtifactPacker.ENTRY_MTIME));
    }

    @Test
    void extractMergesIntoAnExistingSysroot() throws IOException {
        Path a = Files.createDirectories(tmp.resolve("a"));
        ArtifactTrees.file(a, "usr/lib/liba.so", "a\n", 0755);
        ArtifactTrees.file(a, "usr/include/shared.h", "old\n", 0644);
        ArtifactTrees.symlink(a, "usr/lib/libcommon.so", "liba.so");
        Path b = Files.createDirectories(tmp.resolve("b"));
        ArtifactTrees.file(b, "usr/lib/libb.so", "b\n", 0755);
        ArtifactTrees.file(b, "usr/include/shared.h", "new\n", 0600);
        ArtifactTrees.file(b, "usr/lib/libcommon.so", "now a file\n", 0644);
        Manifest ma = ArtifactPacker.pack(a, new ByteArrayOutputStream());
        Manifest mb = ArtifactPacker.pack(b, new ByteArrayOutputStream());
        Path sysroot = tmp.resolve("sysroot");

        ArtifactExtractor.extract(new ByteArrayInputStream(ArtifactTrees.pack(a)), sysroot);
        ArtifactExtractor.extract(new ByteArrayInputStream(ArtifactTrees.pack(b)), sysroot);

        assertThat(sysroot.resolve("usr/lib/liba.so")).hasContent("a");
        assertThat(sysroot.resolve("usr/lib/libb.so")).hasContent("b");
        assertThat(sysroot.resolve("usr/include/shared.h")).hasContent("new");
        assertThat(Files.isSymbolicLink(sysroot.resolve("usr/lib/libcommon.so")))
                .isFalse();
        assertThat(ManifestVerifier.verify(mb, sysroot, false)).isEmpty();
        assertThat(ManifestVerifier.verify(ma, sysroot, false))
                .extracting(ManifestDifference::path, ManifestDifference::kind)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("usr/include/shared.h", Kind.MODE),
                        org.assertj.core.groups.Tuple.tuple("usr/include/shared.h", Kind.SHA256),
                        org.assertj.core.groups.Tuple.tuple("usr/lib/libcommon.so", Kind.TYPE));
        assertThat(ManifestVerifier.verify(mb, sysroot))
                .extracting(ManifestDifference::kind)
                .containsOnly(Kind.EXTRA);
    }

    @Test
    void extractReplacesAnExistingSymlinkInsteadOfWritingThroughIt() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("victim"), "untouched");
        Path sysroot = Files.createDirectories(tmp.resolve("sysroot"));
        Files.createSymbolicLink(sysroot.resolve("config"), outside.resolve("victim"));
        Path src = Files.createDirectories(tmp.resolve("src"));
        ArtifactTrees.file(src, "config", "from the artifact", 0644);

        ArtifactExtractor.extract(new ByteArrayInputStream(ArtifactTrees.pack(src)), sysroot);

        assertThat(outside.resolve("victim")).hasContent("untouched");
        assertThat(Files.isSymbolicLink(sysroot.resolve("config"))).isFalse();
        assertThat(sysroot.resolve("config")).hasContent("from the artifact");
    }

    @Test
    void aNonEmptyDirectoryIsNotReplacedByAFile() throws IOException {
        Path sysroot = Files.createDirectories(tmp.resolve("sysroot"));
        ArtifactTrees.file(sysroot, "usr/lib/thing/keep", "keep", 0644);
        Path src = Files.createDirectories(tmp.resolve("src"));
        ArtifactTrees.file(src, "usr/lib/thing", "file", 0644);

        assertThatThrownBy(() -> ArtifactExtractor.extract(new ByteArrayInputStream(ArtifactTrees.pack(src)), sysroot))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("usr/lib/thing is a non-empty directory");
        assertThat(sysroot.resolve("usr/lib/thing/keep")).hasContent("keep");
    }

    @Test
    void verifierReportsEveryKindOfDifference() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("root"));
        ArtifactTrees.file(root, "bin/a", "aaaa", 0755);
        ArtifactTrees.file(root, "bin/b", "bbbb", 0755);
        ArtifactTrees.file(root, "bin/c", "cccc", 0755);
        ArtifactTrees.file(root, "bin/gone", "x", 0644);
        ArtifactTrees.symlink(root, "bin/link", "a");
        ArtifactTrees.mkdir(root, "share", 0755);
        Manifest manifest = ArtifactPacker.pack(root, new ByteArrayOutputStream());

        Files.writeString(root.resolve("bin/a"), "longer content");
        Files.writeString(root.resolve("bin/b"), "BBBB");
        Files.setAttribute(root.resolve("bin/c"), "unix:mode", 0700);
        Files.delete(root.resolve("bin/gone"));
        Files.delete(root.resolve("bin/link"));
        Files.createSymbolicLink(root.resolve("bin/link"), Path.of("b"));
        Files.delete(root.resolve("share"));
        Files.writeString(root.resolve("share"), "now a file");
        Files.writeString(root.resolve("bin/new"), "extra");

        List<ManifestDifference> diffs = ManifestVerifier.verify(manifest, root);

        assertThat(diffs)
                .extracting(ManifestDifference::path, ManifestDifference::kind)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("bin/a", Kind.SIZE),
                        org.assertj.core.groups.Tuple.tuple("bin/b", Kind.SHA256),
                        org.assertj.core.groups.Tuple.tuple("bin/c", Kind.MODE),
                        org.assertj.core.groups.Tuple.tuple("bin/gone", Kind.MISSING),
                        org.assertj.core.groups.Tuple.tuple("bin/link", Kind.LINK_TARGET),
                        org.assertj.core.groups.Tuple.tuple("bin/new", Kind.EXTRA),
                        org.assertj.core.groups.Tuple.tuple("share", Kind.TYPE));
        assertThat(diffs.get(0).toString()).isEqualTo("bin/a: size expected 4, actual 14");
        assertThat(diffs.get(2).toString()).isEqualTo("bin/c: mode expected 0755, actual 0700");
        assertThat(diffs.get(3).toString()).isEqualTo("bin/gone: missing (expected file)");
        assertThat(Files.exists(root.resolve("bin/link"), LinkOption.NOFOLLOW_LINKS))
                .isTrue();
        assertThat(new String(Files.readAllBytes(root.resolve("bin/new")), StandardCharsets.UTF_8))
                .isEqualTo("extra");
    }
}
