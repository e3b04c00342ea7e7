package dev.lfsfarm.common.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per tar-slip case. Each malicious archive is built directly with
 * TarArchiveOutputStream; each test checks the refusal and that nothing appeared or changed
 * outside the extraction root: neither in the sibling folders nor at the absolute paths the
 * archive names.
 */
class ArtifactExtractorTest {

    @TempDir
    Path tmp;

    /** Extraction root: tmp/work/target. Everything else under tmp is "outside". */
    private Path target;
    /** A folder outside the root that an attack would like to write into. */
    private Path outside;
    /** An absolute path outside tmp that must never be created. */
    private Path absoluteVictim;

    private Map<String, String> outsideBefore;

    @BeforeEach
    void setUp() throws IOException {
        target = Files.createDirectories(tmp.resolve("work/target"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "do not touch");
        absoluteVictim = Path.of(System.getProperty("java.io.tmpdir"), "lfsfarm-tarslip-" + UUID.randomUUID());
        outsideBefore = ArtifactTrees.snapshot(tmp, target);
    }

    @AfterEach
    void nothingEscaped() throws IOException {
        assertThat(ArtifactTrees.snapshot(tmp, target)).isEqualTo(outsideBefore);
        assertThat(Files.exists(absoluteVictim, LinkOption.NOFOLLOW_LINKS))
                .as(absoluteVictim.toString())
                .isFalse();
    }

    interface TarBody {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private static byte[] tarGz(TarBody body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes), "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            body.write(tar);
        }
        return bytes.toByteArray();
    }

    private static void file(TarArchiveOutputStream tar, TarArchiveEntry entry, String content) throws IOException {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        entry.setSize(data.length);
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
        file(tar, new TarArchiveEntry(name), content);
    }

    private static void link(TarArchiveOutputStream tar, String name, byte type, String linkName) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, type);
        entry.setLinkName(linkName);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    private AbstractThrowableAssert<?, ? extends Throwable> assertRefused(byte[] archive, String entry, String reason) {
        return assertThatThrownBy(() -> ArtifactExtractor.extract(new ByteArrayInputStream(archive), target))
                .isInstanceOfSatisfying(UnsafeArtifactException.class, e -> {
                    assertThat(e.entryName()).isEqualTo(entry);
                    assertThat(e.reason()).contains(reason);
                })
                .hasMessageContaining(entry);
    }

    @Test
    void absolutePathEntry() throws IOException {
        String name = absoluteVictim.resolve("pwned").toString();
        byte[] archive = tarGz(tar -> file(tar, new TarArchiveEntry(name, true), "pwned"));

        assertRefused(archive, name, "absolute path");
        assertThat(Files.exists(target.resolve(name.substring(1)))).isFalse();
    }

    @Test
    void absolutePathInPaxHeader() throws IOException {
        String name = absoluteVictim.resolve("long-".repeat(30)).toString();
        byte[] archive = tarGz(tar -> file(tar, new TarArchiveEntry(name, true), "pwned"));

        assertRefused(archive, name, "absolute path");
    }

    @Test
    void absolutePathInGnuLongName() throws IOException {
        String name = absoluteVictim.resolve("long-".repeat(30)).toString();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes), "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
            file(tar, new TarArchiveEntry(name, true), "pwned");
        }

        assertRefused(bytes.toByteArray(), name, "absolute path");
    }

    @Test
    void parentDirectoryEntry() throws IOException {
        byte[] archive = tarGz(tar -> file(tar, "../escape", "pwned"));

        assertRefused(archive, "../escape", "'..' component");
        assertThat(tmp.resolve("work/escape")).doesNotExist();
    }

    @Test
    void parentDirectoryInsideThePath() throws IOException {
        byte[] archive = tarGz(tar -> file(tar, "a/../../escape", "pwned"));

        assertRefused(archive, "a/../../escape", "'..' component");
        assertThat(tmp.resolve("work/escape")).doesNotExist();
    }

    @Test
    void symlinkClimbingOutThenAnEntryThroughIt() throws IOException {
        byte[] archive = tarGz(tar -> {
            link(tar, "evil", TarConstants.LF_SYMLINK, "../../outside");
            file(tar, "evil/secret", "pwned");
        });

        assertRefused(archive, "evil", "resolves outside the extraction root");
        assertThat(target.resolve("evil")).doesNotExist();
    }

    @Test
    void absoluteSymlinkIsKeptButNeverWrittenThrough() throws IOException {
        byte[] archive = tarGz(tar -> {
            link(tar, "evil", TarConstants.LF_SYMLINK, outside.toString());
            file(tar, "evil/secret", "pwned");
        });

        assertRefused(archive, "evil/secret", "is a symlink; extraction never follows symlinks");
        assertThat(Files.readSymbolicLink(target.resolve("evil"))).isEqualTo(outside);
    }

    @Test
    void symlinkInsideTheRootIsNotFollowedEither() throws IOException {
        byte[] archive = tarGz(tar -> {
            link(tar, "lib", TarConstants.LF_SYMLINK, "usr/lib");
            file(tar, "lib/libc.so", "through the link");
        });

        assertRefused(archive, "lib/libc.so", "its parent lib is a symlink");
    }

    @Test
    void symlinkAlreadyInTheTargetIsNotFollowed() throws IOException {
        Files.createSymbolicLink(target.resolve("etc"), outside);
        byte[] archive = tarGz(tar -> file(tar, "etc/secret", "pwned"));

        assertRefused(archive, "etc/secret", "its parent etc is a symlink");
    }

    @Test
    void directoryEntryDoesNotReplaceASymlinkInTheTarget() throws IOException {
        Files.createSymbolicLink(target.resolve("etc"), outside);
        byte[] archive = tarGz(tar -> {
            tar.putArchiveEntry(new TarArchiveEntry("etc/"));
            tar.closeArchiveEntry();
        });

        assertRefused(archive, "etc/", "would replace the symlink etc");
    }

    @Test
    void relativeSymlinkEscapingTheRoot() throws IOException {
        byte[] archive =
                tarGz(tar -> link(tar, "usr/lib/libfoo.so", TarConstants.LF_SYMLINK, "../../../../outside/secret"));

        assertRefused(archive, "usr/lib/libfoo.so", "resolves outside the extraction root");
        assertThat(target.resolve("usr/lib/libfoo.so")).doesNotExist();
    }

    @Test
    void relativeSymlinkThatStaysInsideIsFine() throws IOException {
        byte[] archive = tarGz(tar -> {
            file(tar, "usr/lib/libfoo.so.1", "lib");
            link(tar, "usr/lib/libfoo.so", TarConstants.LF_SYMLINK, "libfoo.so.1");
            link(tar, "lib64/libfoo.so", TarConstants.LF_SYMLINK, "../usr/lib/./libfoo.so.1");
            link(tar, "usr/bin/up", TarConstants.LF_SYMLINK, "../..");
        });

        ArtifactExtractor.extract(new ByteArrayInputStream(archive), target);

        assertThat(Files.readSymbolicLink(target.resolve("lib64/libfoo.so")).toString())
                .isEqualTo("../usr/lib/./libfoo.so.1");
        assertThat(target.resolve("usr/lib/libfoo.so")).hasContent("lib");
    }

    @Test
    void hardLinkToOutside() throws IOException {
        byte[] archive = tarGz(tar -> link(tar, "stolen", TarConstants.LF_LINK, "../../outside/secret"));

        assertRefused(archive, "stolen", "'..' component");
        assertThat(target.resolve("stolen")).doesNotExist();
    }

    @Test
    void hardLinkToAnAbsolutePath() throws IOException {
        byte[] archive = tarGz(tar -> link(
                tar, "stolen", TarConstants.LF_LINK, outside.resolve("secret").toString()));

        assertRefused(archive, "stolen", "hard link to the absolute path");
    }

    @Test
    void hardLinkToAFileNotFromThisArchive() throws IOException {
        Files.writeString(target.resolve("existing"), "from an earlier artifact");
        byte[] archive = tarGz(tar -> link(tar, "alias", TarConstants.LF_LINK, "existing"));

        assertRefused(archive, "alias", "is not a regular file extracted earlier from this archive");
    }

    @Test
    void hardLinkToAFileOfTheSameArchiveWorks() throws IOException {
        byte[] archive = tarGz(tar -> {
            file(tar, "usr/bin/gzip", "gzip");
            link(tar, "usr/bin/gunzip", TarConstants.LF_LINK, "usr/bin/gzip");
        });

        ArtifactExtractor.extract(new ByteArrayInputStream(archive), target);

        assertThat(target.resolve("usr/bin/gunzip")).hasContent("gzip");
    }

    @Test
    void deviceEntry() throws IOException {
        byte[] archive = tarGz(tar -> {
            TarArchiveEntry dev = new TarArchiveEntry("dev/sda", TarConstants.LF_BLK);
            dev.setDevMajor(8);
            tar.putArchiveEntry(dev);
            tar.closeArchiveEntry();
        });

        assertRefused(archive, "dev/sda", "device entry");
        assertThat(target.resolve("dev/sda")).doesNotExist();
    }

    @Test
    void characterDeviceAndFifoEntries() throws IOException {
        byte[] chr = tarGz(tar -> {
            tar.putArchiveEntry(new TarArchiveEntry("dev/null", TarConstants.LF_CHR));
            tar.closeArchiveEntry();
        });
        byte[] fifo = tarGz(tar -> {
            tar.putArchiveEntry(new TarArchiveEntry("run/pipe", TarConstants.LF_FIFO));
            tar.closeArchiveEntry();
        });

        assertRefused(chr, "dev/null", "device entry");
        assertRefused(fifo, "run/pipe", "fifo entry");
    }

    @Test
    void emptyAndDotComponents() throws IOException {
        assertRefused(tarGz(tar -> file(tar, "usr//lib", "x")), "usr//lib", "empty or '.' component");
        assertRefused(tarGz(tar -> file(tar, "usr/./lib", "x")), "usr/./lib", "empty or '.' component");
    }

    @Test
    void leadingDotSlashAndRootEntryAreAccepted() throws IOException {
        byte[] archive = tarGz(tar -> {
            tar.putArchiveEntry(new TarArchiveEntry("./"));
            tar.closeArchiveEntry();
            file(tar, "./usr/share/hello", "hi");
        });

        ArtifactExtractor.extract(new ByteArrayInputStream(archive), target);

        assertThat(target.resolve("usr/share/hello")).hasContent("hi");
    }
}
