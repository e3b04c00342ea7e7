package dev.lfsfarm.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.proto.v1.ArtifactKind;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.Manifest;
import dev.lfsfarm.proto.v1.ManifestEntry;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sysroot checkpoints end to end, with a coordinator and two worker JVMs: six packages of the demo
 * book built with gcc and make, a checkpoint of them verified and restored, the restored tree
 * compared entry by entry with the union of the six artifacts' manifests, a checkpoint of a prefix,
 * and garbage collection that keeps everything still referenced.
 */
class CheckpointIT {
    /** The demo without demo-suite: these targets pull in libkv, libstr and libhash. */
    static final List<String> TARGETS = List.of("kvtool", "demo-data", "hello");

    static final Set<String> SIX = Set.of("demo-data", "hello", "kvtool", "libhash", "libkv", "libstr");

    @TempDir
    Path dir;

    Farm farm;

    @BeforeEach
    void startFarm(TestInfo test) {
        farm = new Farm(
                dir.resolve("farm"),
                getClass().getSimpleName() + "."
                        + test.getTestMethod().orElseThrow().getName());
        farm.startCoordinator().startWorkers("w1", "w2");
    }

    @AfterEach
    void stopFarm() {
        farm.close();
    }

    @Test
    void aCheckpointOfSixPackagesVerifiesRestoresByteForByteAndSurvivesGarbageCollection() throws Exception {
        // 1. Six packages of the demo book, built for real.
        List<String> submit = new ArrayList<>(
                List.of("submit", FarmProcess.examples().resolve("demo").toString()));
        submit.addAll(TARGETS);
        submit.addAll(List.of("--follow", "-o", "json"));
        CliResult built = farm.cli(submit.toArray(String[]::new));
        assertThat(built.exitCode()).as("%s", built).isZero();
        BuildView build = new BuildView(built.json());
        assertThat(build.states())
                .as("%s", build)
                .containsOnlyKeys(SIX)
                .allSatisfy((id, state) -> assertThat(state).as(id).isEqualTo("SUCCEEDED"));

        // 2. A checkpoint of the whole build: every package, dependencies first, with the build's artifacts.
        CliResult created = farm.cli("checkpoint", "create", "demo-six", "--build", build.id(), "-o", "json");
        assertThat(created.exitCode()).as("%s", created).isZero();
        JsonNode full = created.json();
        assertThat(full.path("created").asBoolean()).isTrue();
        List<String> order = ids(full);
        assertThat(order).as("%s", full).containsExactlyInAnyOrderElementsOf(SIX);
        assertThat(order.indexOf("libstr")).isLessThan(order.indexOf("libkv"));
        assertThat(order.indexOf("libkv")).isLessThan(order.indexOf("kvtool"));
        assertThat(order.indexOf("libhash")).isLessThan(order.indexOf("kvtool"));
        for (JsonNode e : full.path("entries")) {
            assertThat(e.path("artifact").asText())
                    .as(e.path("id").asText())
                    .isEqualTo(build.pkg(e.path("id").asText()).path("artifact").asText());
        }
        CliResult again = farm.cli("checkpoint", "create", "demo-six", "--build", build.id(), "-o", "json");
        assertThat(again.exitCode())
                .as("creating it again is harmless\n%s", again)
                .isZero();
        assertThat(again.json().path("created").asBoolean()).isFalse();

        // 3. verify: every artifact downloaded, re-hashed, unpacked and checked against its manifest.
        CliResult verified = farm.cli("checkpoint", "verify", "demo-six");
        assertThat(verified.exitCode()).as("%s", verified).isZero();
        assertThat(verified.out()).contains("Checkpoint demo-six: 6 packages, 6 verified, 0 failed");
        for (String id : SIX) {
            assertThat(verified.out()).containsPattern("(?m)^ok +" + id + " ");
        }

        // 4. restore: the union of the six DESTDIRs, byte for byte.
        Path sysroot = dir.resolve("sysroot");
        CliResult restored = farm.cli("checkpoint", "restore", "demo-six", "--to", sysroot.toString(), "-o", "json");
        assertThat(restored.exitCode()).as("%s", restored).isZero();
        Map<String, String> union = unionOfManifests(full);
        assertThat(union)
                .as("the demo installs libraries, headers and programs")
                .containsKeys(
                        "usr/lib/libstr.so.1.2.0", "usr/include/libstr/libstr.h", "usr/bin/kvtool", "usr/bin/hello");
        assertThat(union.values()).as("and symlinks (lib*.so -> lib*.so.N)").anyMatch(v -> v.startsWith("symlink"));
        assertThat(tree(sysroot)).isEqualTo(union);
        assertThat(restored.json().path("packages").asInt()).isEqualTo(6);
        assertThat(restored.json().path("files").asLong())
                .isEqualTo(union.values().stream()
                        .filter(v -> v.startsWith("file"))
                        .count());

        CliResult refused = farm.cli("checkpoint", "restore", "demo-six", "--to", sysroot.toString());
        assertThat(refused.exitCode()).as("a non-empty folder\n%s", refused).isEqualTo(2);
        assertThat(refused.err()).contains("is not empty").doesNotContain("Exception");
        CliResult forced = farm.cli("checkpoint", "restore", "demo-six", "--to", sysroot.toString(), "--force");
        assertThat(forced.exitCode()).as("%s", forced).isZero();
        assertThat(tree(sysroot)).isEqualTo(union);

        // 5. --upto a middle package: exactly the prefix of the whole build's order.
        String middle = order.get(2);
        CliResult prefix =
                farm.cli("checkpoint", "create", "demo-prefix", "--build", build.id(), "--upto", middle, "-o", "json");
        assertThat(prefix.exitCode()).as("%s", prefix).isZero();
        assertThat(ids(prefix.json())).isEqualTo(order.subList(0, 3));
        assertThat(prefix.json().path("upto").asText()).isEqualTo(middle);
        CliResult list = farm.cli("checkpoint", "list", "-o", "json");
        assertThat(list.exitCode()).as("%s", list).isZero();
        assertThat(names(list.json())).as("newest first").containsExactly("demo-prefix", "demo-six");

        // 6. gc --keep 1: the older checkpoint goes, and so do blobs nothing references; nothing a
        //    checkpoint or a build references is touched. A dry run first changes nothing.
        Digest junk = uploadJunk();
        String olderList = full.path("entry_list").asText();
        String newerList = prefix.json().path("entry_list").asText();
        Set<String> storedBefore = blobs();
        assertThat(storedBefore).contains(junk.getSha256(), olderList, newerList);

        CliResult dry = farm.cli("checkpoint", "gc", "--keep", "1", "--min-age", "0s", "--dry-run", "-o", "json");
        assertThat(dry.exitCode()).as("%s", dry).isZero();
        assertThat(dry.json().path("dry_run").asBoolean()).isTrue();
        assertThat(texts(dry.json().path("deleted_checkpoints"))).containsExactly("demo-six");
        assertThat(dry.json().path("blobs_removed").asLong())
                .as("%s", dry.json())
                .isEqualTo(2);
        assertThat(blobs()).isEqualTo(storedBefore);
        assertThat(names(farm.cli("checkpoint", "list", "-o", "json").json()))
                .containsExactly("demo-prefix", "demo-six");

        CliResult gc = farm.cli("checkpoint", "gc", "--keep", "1", "--min-age", "0s", "-o", "json");
        assertThat(gc.exitCode()).as("%s", gc).isZero();
        assertThat(texts(gc.json().path("deleted_checkpoints"))).containsExactly("demo-six");
        assertThat(texts(gc.json().path("kept_checkpoints"))).containsExactly("demo-prefix");
        assertThat(gc.json().path("blobs_removed").asLong())
                .as("the junk and the older entry list\n%s", gc.json())
                .isEqualTo(2);
        assertThat(gc.json().path("bytes_freed").asLong()).isPositive();
        Set<String> storedAfter = blobs();
        assertThat(storedAfter).doesNotContain(junk.getSha256(), olderList).contains(newerList);
        for (String id : SIX) {
            assertThat(storedAfter)
                    .as("artifact and manifest of %s", id)
                    .contains(build.pkg(id).path("artifact").asText(), manifestOf(full, id));
        }
        CliResult gone = farm.cli("checkpoint", "show", "demo-six");
        assertThat(gone.exitCode()).as("%s", gone).isEqualTo(2);
        assertThat(gone.err()).contains("no checkpoint 'demo-six'");
        CliResult stillGood = farm.cli("checkpoint", "verify", "demo-prefix");
        assertThat(stillGood.exitCode()).as("%s", stillGood).isZero();
        assertThat(stillGood.out()).contains("Checkpoint demo-prefix: 3 packages, 3 verified, 0 failed");

        // 7. verify notices a damaged artifact, names the package and fails.
        String victim = order.get(0);
        Path blob = casPath(build.pkg(victim).path("artifact").asText());
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length / 2] ^= 0x55;
        blob.toFile().setWritable(true, true);
        Files.write(blob, bytes);
        CliResult damaged = farm.cli("checkpoint", "verify", "demo-prefix");
        assertThat(damaged.exitCode()).as("%s", damaged).isEqualTo(1);
        assertThat(damaged.out())
                .containsPattern("(?m)^FAILED +" + victim + " ")
                .contains("1 failed");
        assertThat(damaged.err()).doesNotContain("Exception");
    }

    // ---- helpers ----

    private static List<String> ids(JsonNode checkpoint) {
        List<String> ids = new ArrayList<>();
        checkpoint.path("entries").forEach(e -> ids.add(e.path("id").asText()));
        return ids;
    }

    private static List<String> names(JsonNode list) {
        List<String> names = new ArrayList<>();
        list.path("checkpoints").forEach(c -> names.add(c.path("name").asText()));
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static String manifestOf(JsonNode checkpoint, String id) {
        for (JsonNode e : checkpoint.path("entries")) {
            if (e.path("id").asText().equals(id)) {
                return e.path("manifest").asText();
            }
        }
        throw new AssertionError("no entry " + id + " in " + checkpoint.toPrettyString());
    }

    /**
     * The six artifacts' manifests, downloaded through ArtifactService and laid over each other in
     * the checkpoint's order (a later package's entry replaces an earlier one's at the same path).
     */
    private Map<String, String> unionOfManifests(JsonNode checkpoint) throws Exception {
        Map<String, String> union = new TreeMap<>();
        ManagedChannel channel =
                NettyChannelBuilder.forTarget(farm.address()).usePlaintext().build();
        try {
            ArtifactClient client = new ArtifactClient(channel);
            for (JsonNode e : checkpoint.path("entries")) {
                Path file = dir.resolve("manifests").resolve(e.path("id").asText() + ".pb");
                client.download(
                        Digest.newBuilder()
                                .setSha256(e.path("manifest").asText())
                                .setSizeBytes(e.path("manifest_bytes").asLong())
                                .build(),
                        file);
                Manifest manifest = Manifest.parseFrom(Files.readAllBytes(file));
                assertThat(manifest.getArtifact().getSha256())
                        .as("the manifest of %s describes its artifact", e.path("id"))
                        .isEqualTo(e.path("artifact").asText());
                for (ManifestEntry m : manifest.getEntriesList()) {
                    union.put(m.getPath(), describe(m));
                }
            }
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
        return union;
    }

    private Path casPath(String sha256) {
        return farm.artifactDir().resolve("cas").resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    private static String describe(ManifestEntry m) {
        return switch (m.getType()) {
            case ENTRY_TYPE_FILE ->
                String.format("file %04o %d %s", m.getMode() & 07777, m.getSizeBytes(), m.getSha256());
            case ENTRY_TYPE_DIRECTORY -> String.format("dir %04o", m.getMode() & 07777);
            case ENTRY_TYPE_SYMLINK -> "symlink -> " + m.getLinkTarget();
            default -> "unknown " + m.getType();
        };
    }

    /** Path -> type, mode, size, sha256 or link target of everything below {@code root}, never following links. */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> entries = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (!d.equals(root)) {
                    entries.put(relative(root, d), String.format("dir %04o", mode(d)));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                if (attrs.isSymbolicLink()) {
                    entries.put(relative(root, f), "symlink -> " + Files.readSymbolicLink(f));
                } else if (attrs.isRegularFile()) {
                    entries.put(
                            relative(root, f), String.format("file %04o %d %s", mode(f), attrs.size(), Sha256.of(f)));
                } else {
                    entries.put(relative(root, f), "special");
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return entries;
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static String relative(Path root, Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }

    /** A blob nothing references: what a refused upload leaves behind. */
    private Digest uploadJunk() throws Exception {
        Path file = dir.resolve("junk.bin");
        Files.writeString(file, "an upload whose result never came " + System.nanoTime());
        ManagedChannel channel =
                NettyChannelBuilder.forTarget(farm.address()).usePlaintext().build();
        try {
            return new ArtifactClient(channel).upload(file, ArtifactKind.ARTIFACT_KIND_LOG);
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The sha256 of every blob in the coordinator's artifact store, read from its folder. */
    private Set<String> blobs() throws IOException {
        Set<String> all = new java.util.HashSet<>();
        try (var files = Files.walk(farm.artifactDir().resolve("cas"))) {
            files.filter(Files::isRegularFile)
                    .forEach(f -> all.add(f.getFileName().toString()));
        }
        return all;
    }
}
