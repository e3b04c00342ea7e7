package dev.lfsfarm.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lfsfarm.common.action.ActionKeys;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.artifact.ArtifactPacker;
import dev.lfsfarm.common.graph.DependencyResolver;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.BookLoader;
import dev.lfsfarm.common.testing.BookFixture;
import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.ArtifactKind;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.Manifest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker refuses a malicious dependency artifact instead of writing outside the sysroot. The
 * route is the real one: crafted tar.gz blobs are uploaded to the coordinator's artifact store and
 * recorded in its action cache under the exact action keys of three packages of a book, so the
 * coordinator serves them as CACHED and hands them to the worker as dependencies of other packages.
 */
class TarSlipIT {
    @TempDir
    Path dir;

    Farm farm;
    Marks marks;

    @BeforeEach
    void startFarm(TestInfo test) {
        farm = new Farm(
                dir.resolve("farm"),
                getClass().getSimpleName() + "."
                        + test.getTestMethod().orElseThrow().getName());
        farm.startCoordinator().startWorkers("w1");
        marks = Marks.in(dir);
    }

    @AfterEach
    void stopFarm() {
        farm.close();
    }

    @Test
    void aDependencyArtifactWithEntriesEscapingTheSysrootIsRefused() throws Exception {
        // No sources, so every action key can be computed here exactly as the coordinator does.
        BookFixture fixture = new BookFixture(dir.resolve("book")).book("name: tarslip\n" + marks.defaultsEnv());
        List<String> evil = List.of("evil-dotdot", "evil-absolute", "evil-symlink");
        for (String id : evil) {
            fixture.recipe(
                    id,
                    "version: \"1.0\"\nphases:\n  install: |\n    echo \"" + id + " built\" >> \"$MARKS\"\n"
                            + "    mkdir -p \"$DESTDIR/usr\" && echo fine > \"$DESTDIR/usr/" + id + "\"\n");
            fixture.recipe(
                    "uses-" + id,
                    "version: \"1.0\"\ndepends: {required: [" + id + "]}\nphases:\n  build: |\n" + "    echo \"uses-"
                            + id + " built\" >> \"$MARKS\"\n  install: mkdir -p \"$DESTDIR/usr\"\n");
        }
        fixture.recipe(
                "bystander",
                "version: \"1.0\"\nphases:\n  install: |\n    echo \"bystander built\" >> \"$MARKS\"\n"
                        + "    mkdir -p \"$DESTDIR/usr\" && echo fine > \"$DESTDIR/usr/bystander\"\n");
        Path book = fixture.root();

        Book loaded = BookLoader.load(book);
        ResolvedGraph graph = new DependencyResolver(loaded, loaded.profile(null), false).resolve(List.of());
        String[] keys = ActionKeys.compute(graph, ActionKeys.localArch());

        // The sysroot is DIR/farm/work-w1/attempts/ATTEMPT/sysroot: four ".." from it reach DIR/farm,
        // six from its usr/ reach DIR.
        Path escapes = Files.createDirectories(dir.resolve("escapes"));
        Path absoluteTarget = escapes.resolve("escaped-absolute");
        Map<String, byte[]> tars = new LinkedHashMap<>();
        tars.put(
                "evil-dotdot",
                tarGz(List.of(file("usr/evil-dotdot", "fine"), file("../../../../escaped-dotdot", "pwned"))));
        tars.put(
                "evil-absolute",
                tarGz(List.of(file("usr/evil-absolute", "fine"), file(absoluteTarget.toString(), "pwned"))));
        tars.put(
                "evil-symlink",
                tarGz(List.of(
                        file("usr/evil-symlink", "fine"),
                        symlink("usr/up", "../../../../../../escapes"),
                        file("usr/up/escaped-symlink", "pwned"))));

        Map<String, String> expectedKeys = new LinkedHashMap<>();
        ManagedChannel channel =
                NettyChannelBuilder.forTarget(farm.address()).usePlaintext().build();
        try {
            ArtifactClient client = new ArtifactClient(channel);
            Digest manifest = client.upload(benignManifest(), ArtifactKind.ARTIFACT_KIND_MANIFEST);
            for (var e : tars.entrySet()) {
                Path blob = dir.resolve(e.getKey() + ".tar.gz");
                Files.write(blob, e.getValue());
                Digest artifact = client.upload(blob, ArtifactKind.ARTIFACT_KIND_PACKAGE);
                String key = keys[graph.indexOf(e.getKey())];
                expectedKeys.put(e.getKey(), key);
                boolean created = client.putAction(
                        key,
                        ActionResult.newBuilder()
                                .setArtifact(artifact)
                                .setManifest(manifest)
                                .setPackageId(e.getKey())
                                .setVersion("1.0")
                                .setWorker("attacker")
                                .build());
                assertThat(created).as("action cache entry for " + e.getKey()).isTrue();
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }

        CliResult run = farm.cli("submit", book.toString(), "--follow", "-o", "json");
        assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
        BuildView build = new BuildView(run.json());
        for (String id : evil) {
            JsonNode poisoned = build.pkg(id);
            assertThat(poisoned.path("action_key").asText())
                    .as("the key computed here is the coordinator's")
                    .isEqualTo(expectedKeys.get(id));
            assertThat(poisoned.path("state").asText())
                    .as("%s comes from the poisoned cache\n%s", id, build)
                    .isEqualTo("CACHED");
            JsonNode victim = build.pkg("uses-" + id);
            assertThat(victim.path("state").asText()).as("%s", build).isEqualTo("FAILED");
            assertThat(victim.path("failure").asText())
                    .as("uses-%s\n%s", id, victim)
                    .contains("staging dependencies", id, "unsafe artifact entry");
            assertThat(victim.path("failed_phase").asText()).as("no phase ran").isEmpty();
        }
        assertThat(build.pkg("uses-evil-dotdot").path("failure").asText()).contains("'..'");
        assertThat(build.pkg("uses-evil-absolute").path("failure").asText()).contains("absolute");
        assertThat(build.pkg("uses-evil-symlink").path("failure").asText()).contains("symlink");
        assertThat(build.pkg("bystander").path("state").asText()).isEqualTo("SUCCEEDED");

        // Nothing of the dependents ran, and nothing landed outside a sysroot.
        assertThat(marks.lines()).as("%s", marks).containsExactly("bystander built");
        try (Stream<Path> all = Files.walk(dir)) {
            assertThat(all.filter(p -> p.getFileName().toString().startsWith("escaped-"))
                            .toList())
                    .as("files written by the malicious artifacts")
                    .isEmpty();
        }
    }

    /** A real manifest blob (the action cache entry needs one in the store). */
    private Path benignManifest() throws IOException {
        Path tree = Files.createDirectories(dir.resolve("benign/usr"));
        Files.writeString(tree.resolve("file"), "fine\n");
        Manifest manifest;
        try (OutputStream out = OutputStream.nullOutputStream()) {
            manifest = ArtifactPacker.pack(tree.getParent(), out);
        }
        Path file = dir.resolve("manifest.pb");
        Files.write(file, manifest.toByteArray());
        return file;
    }

    // ---- a minimal ustar writer, so the archives can hold what no well-behaved tool writes ----

    record Entry(String name, char type, String linkName, byte[] data) {}

    static Entry file(String name, String content) {
        return new Entry(name, '0', "", content.getBytes(StandardCharsets.UTF_8));
    }

    static Entry symlink(String name, String target) {
        return new Entry(name, '2', target, new byte[0]);
    }

    static byte[] tarGz(List<Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (Entry e : entries) {
                gz.write(header(e));
                gz.write(e.data());
                int pad = (512 - e.data().length % 512) % 512;
                gz.write(new byte[pad]);
            }
            gz.write(new byte[1024]);
        }
        return bytes.toByteArray();
    }

    private static byte[] header(Entry e) {
        byte[] h = new byte[512];
        put(h, 0, 100, e.name());
        put(h, 100, 8, e.type() == '2' ? "0000777" : "0000644");
        put(h, 108, 8, "0000000");
        put(h, 116, 8, "0000000");
        put(h, 124, 12, String.format("%011o", e.data().length));
        put(h, 136, 12, String.format("%011o", 946684800L));
        h[156] = (byte) e.type();
        put(h, 157, 100, e.linkName());
        put(h, 257, 6, "ustar");
        put(h, 263, 2, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, 8, String.format("%06o", sum));
        h[155] = ' ';
        return h;
    }

    private static void put(byte[] header, int offset, int length, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        if (v.length > length) {
            throw new IllegalArgumentException("'" + value + "' does not fit a " + length + "-byte tar field");
        }
        System.arraycopy(v, 0, header, offset, v.length);
    }
}
