package dev.lfsfarm.common.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lfsfarm.proto.v1.EntryType;
import dev.lfsfarm.proto.v1.Manifest;
import dev.lfsfarm.proto.v1.ManifestEntry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactPackerTest {

    @TempDir
    Path tmp;

    @Test
    void sameTreeGivesByteIdenticalArtifactsWhateverTheCreationOrderAndMtimes() throws IOException {
        Path a = ArtifactTrees.sample(tmp.resolve("a"), false, 0);
        Path b = ArtifactTrees.sample(tmp.resolve("b"), true, 12345);

        byte[] first = ArtifactTrees.pack(a);
        byte[] again = ArtifactTrees.pack(a);
        byte[] other = ArtifactTrees.pack(b);

        assertThat(Sha256.of(again)).isEqualTo(Sha256.of(first));
        assertThat(Sha256.of(other)).isEqualTo(Sha256.of(first));
    }

    @Test
    void manifestDescribesEveryEntryAndTheArchive() throws IOException {
        Path root = ArtifactTrees.sample(tmp.resolve("dest"), false, 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        Manifest manifest = ArtifactPacker.pack(root, out);

        byte[] archive = out.toByteArray();
        assertThat(manifest.getArtifact()).isEqualTo(Sha256.digest(archive));
        List<String> paths =
                manifest.getEntriesList().stream().map(ManifestEntry::getPath).collect(Collectors.toList());
        List<String> sorted = new ArrayList<>(paths);
        sorted.sort(TreeScanner.PATH_ORDER);
        assertThat(paths).isEqualTo(sorted).doesNotHaveDuplicates();
        assertThat(paths)
                .allSatisfy(p -> assertThat(p)
                        .doesNotStartWith("/")
                        .doesNotStartWith("./")
                        .doesNotEndWith("/"));
        assertThat(paths.indexOf("usr")).isLessThan(paths.indexOf("usr/bin")).isLessThan(paths.indexOf("usr/bin/tool"));

        Map<String, ManifestEntry> byPath = manifest.getEntriesList().stream()
                .collect(Collectors.toMap(ManifestEntry::getPath, Function.identity()));
        ManifestEntry tool = byPath.get("usr/bin/tool");
        byte[] toolBytes = "#!/bin/sh\necho tool\n".getBytes(StandardCharsets.UTF_8);
        assertThat(tool.getType()).isEqualTo(EntryType.ENTRY_TYPE_FILE);
        assertThat(tool.getMode()).isEqualTo(0755);
        assertThat(tool.getSizeBytes()).isEqualTo(toolBytes.length);
        assertThat(tool.getSha256()).isEqualTo(Sha256.of(toolBytes));
        assertThat(tool.getLinkTarget()).isEmpty();
        assertThat(byPath.get("usr/bin/suid-helper").getMode()).isEqualTo(04755);
        assertThat(byPath.get("var/lib/sticky").getMode()).isEqualTo(01777);

        ManifestEntry rel = byPath.get("usr/lib/libfoo.so.1");
        assertThat(rel.getType()).isEqualTo(EntryType.ENTRY_TYPE_SYMLINK);
        assertThat(rel.getLinkTarget()).isEqualTo("libfoo.so.1.2.3");
        assertThat(rel.getSizeBytes()).isZero();
        assertThat(rel.getSha256()).isEmpty();
        assertThat(byPath.get("usr/lib/libabs.so").getLinkTarget()).isEqualTo("/usr/lib/libfoo.so.1");

        ManifestEntry empty = byPath.get("usr/share/empty");
        assertThat(empty.getType()).isEqualTo(EntryType.ENTRY_TYPE_DIRECTORY);
        assertThat(empty.getMode()).isEqualTo(0700);
        assertThat(byPath).containsKeys(ArtifactTrees.LONG_FILE, ArtifactTrees.UNICODE_FILE, "usr/share/zero-length");
        assertThat(byPath.get("usr/share/zero-length").getSha256()).isEqualTo(Sha256.of(new byte[0]));

        long total = manifest.getEntriesList().stream()
                .filter(e -> e.getType() == EntryType.ENTRY_TYPE_FILE)
                .mapToLong(ManifestEntry::getSizeBytes)
                .sum();
        assertThat(manifest.getTotalFileBytes()).isEqualTo(total).isPositive();
    }

    @Test
    void tarHeadersCarryNoOwnerNoTimeAndFullNames() throws IOException {
        Path root = ArtifactTrees.sample(tmp.resolve("dest"), false, 0);
        byte[] archive = ArtifactTrees.pack(root);

        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream tar =
                new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(archive)), "UTF-8")) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                names.add(e.getName());
                assertThat(e.getLongUserId()).as(e.getName()).isZero();
                assertThat(e.getLongGroupId()).as(e.getName()).isZero();
                assertThat(e.getUserName()).as(e.getName()).isEmpty();
                assertThat(e.getGroupName()).as(e.getName()).isEmpty();
                assertThat(e.getLastModifiedTime().toInstant()).isEqualTo(Instant.parse("2000-01-01T00:00:00Z"));
                if (e.getName().equals("usr/share/doc/long-link")) {
                    assertThat(e.getLinkName()).isEqualTo(ArtifactTrees.LONG_LINK_TARGET);
                }
            }
        }
        assertThat(names).contains(ArtifactTrees.LONG_FILE, ArtifactTrees.UNICODE_FILE, "usr/share/empty/");

        // Nothing of the packing user leaks into the archive (commons-compress's own PAX headers would).
        String user = System.getProperty("user.name", "");
        assumeTrue(user.length() >= 4, "user name too short to search for");
        String tarText = new String(
                new GZIPInputStream(new ByteArrayInputStream(archive)).readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(tarText).doesNotContain(user);
    }

    @Test
    void gnuTarReadsTheArchive() throws Exception {
        assumeTrue(commandAvailable("tar"), "tar is not installed");
        Path root = ArtifactTrees.sample(tmp.resolve("dest"), false, 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Manifest manifest = ArtifactPacker.pack(root, out);
        Path archive = tmp.resolve("a.tar.gz");
        Files.write(archive, out.toByteArray());
        Path extracted = Files.createDirectories(tmp.resolve("by-tar"));

        Process tar = new ProcessBuilder("tar", "-xzpf", archive.toString(), "-C", extracted.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).as(output).isZero();

        assertThat(ManifestVerifier.verify(manifest, extracted)).isEmpty();
    }

    @Test
    void emptyDestdirPacksToAnEmptyManifest() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("empty"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        Manifest manifest = ArtifactPacker.pack(root, out);

        assertThat(manifest.getEntriesList()).isEmpty();
        assertThat(manifest.getTotalFileBytes()).isZero();
        assertThat(manifest.getArtifact()).isEqualTo(Sha256.digest(out.toByteArray()));
        Path target = tmp.resolve("target");
        ArtifactExtractor.extract(new ByteArrayInputStream(out.toByteArray()), target);
        assertThat(ArtifactTrees.snapshot(target, null)).isEmpty();
    }

    @Test
    void hardLinksBecomeSeparateRegularFiles() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("dest"));
        ArtifactTrees.file(root, "usr/bin/gzip", "gzip binary\n", 0755);
        Files.createLink(root.resolve("usr/bin/gunzip"), root.resolve("usr/bin/gzip"));

        Manifest manifest = ArtifactPacker.pack(root, new ByteArrayOutputStream());

        assertThat(manifest.getEntriesList())
                .filteredOn(e -> e.getPath().startsWith("usr/bin/g"))
                .extracting(ManifestEntry::getPath, ManifestEntry::getType, ManifestEntry::getSizeBytes)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("usr/bin/gunzip", EntryType.ENTRY_TYPE_FILE, 12L),
                        org.assertj.core.groups.Tuple.tuple("usr/bin/gzip", EntryType.ENTRY_TYPE_FILE, 12L));
    }

    @Test
    void refusesSockets() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("dest"));
        Path socket = root.resolve("run/daemon.sock");
        Files.createDirectories(socket.getParent());
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            assertThatThrownBy(() -> ArtifactPacker.pack(root, new ByteArrayOutputStream()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(socket.toString())
                    .hasMessageContaining("socket");
        }
    }

    @Test
    void refusesFifos() throws Exception {
        assumeTrue(commandAvailable("mkfifo"), "mkfifo is not installed");
        Path root = Files.createDirectories(tmp.resolve("dest"));
        Path fifo = root.resolve("pipe");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();

        assertThatThrownBy(() -> ArtifactPacker.pack(root, new ByteArrayOutputStream()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(fifo.toString())
                .hasMessageContaining("fifo");
    }

    @Test
    void paxRecordLengthCountsItsOwnDigits() {
        // 98 bytes of " path=...\n" body: 2 digits would give 100, which has 3 digits, so the length is 101.
        String value = "x".repeat(98 - " path=\n".length());
        byte[] record = DeterministicTarWriter.encodePaxRecords(Map.of("path", value));
        assertThat(record).hasSize(101);
        assertThat(new String(record, StandardCharsets.UTF_8))
                .startsWith("101 path=x")
                .endsWith("x\n");
        byte[] small = DeterministicTarWriter.encodePaxRecords(Map.of("path", "é"));
        assertThat(new String(small, StandardCharsets.UTF_8)).isEqualTo("11 path=é\n");
    }

    static boolean commandAvailable(String command) {
        try {
            Process p = new ProcessBuilder(command, "--version")
                    .redirectErrorStream(true)
                    .start();
            try (InputStream in = p.getInputStream()) {
                in.readAllBytes();
            }
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
