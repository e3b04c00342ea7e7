package dev.lfsfarm.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lfsfarm.common.artifact.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo book (real C code, gcc and make) on a coordinator and two worker JVMs: built from
 * scratch, then entirely from the cache, then after one recipe changed, only that package and
 * what depends on it. Also the build log and the artifact of a package, through the CLI.
 */
class DemoBuildIT {
    static final List<String> DEMO =
            List.of("demo-data", "demo-suite", "hello", "kvtool", "libhash", "libkv", "libstr");
    /** libkv and everything that depends on it, transitively. */
    static final Set<String> LIBKV_AND_DEPENDENTS = Set.of("libkv", "kvtool", "demo-suite");

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
    void buildsTheDemoThenHitsTheCacheThenRebuildsOnlyWhatAChangedRecipeAffects() throws Exception {
        Path demo = FarmProcess.examples().resolve("demo");

        // 1. From scratch: every package built once, on both workers.
        CliResult first = farm.cli("submit", demo.toString(), "--follow", "-o", "json");
        assertThat(first.exitCode())
                .as("farm submit --follow exit code\n%s", first)
                .isZero();
        BuildView built = new BuildView(first.json());
        assertThat(built.state()).as("%s", first).isEqualTo("SUCCEEDED");
        assertThat(built.states())
                .as("%s", built)
                .containsOnlyKeys(DEMO)
                .allSatisfy((id, state) -> assertThat(state).as(id).isEqualTo("SUCCEEDED"));
        assertThat(built.field("attempts"))
                .as("%s", built)
                .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo("1"));
        assertThat(built.field("cache_hit"))
                .allSatisfy((id, hit) -> assertThat(hit).as(id).isEqualTo("false"));
        assertThat(new HashSet<>(built.field("worker").values()))
                .as("workers that built something (2 workers × 1 slot, 4 independent roots)\n%s", built)
                .containsExactlyInAnyOrder("w1", "w2");
        assertThat(built.field("artifact"))
                .allSatisfy((id, sha) -> assertThat(sha).as(id).matches("[0-9a-f]{64}"));
        assertThat(built.packages().get("libstr").path("wall_seconds").asDouble())
                .isPositive();
        assertThat(built.packages().get("libstr").path("sbu").isNumber())
                .as("libstr has measurements")
                .isTrue();

        // 2. The build log of a package, as stored by the coordinator.
        CliResult log = farm.cli("logs", built.id(), "libstr");
        assertThat(log.exitCode()).as("%s", log).isZero();
        assertThat(log.out())
                .as("libstr's log")
                .contains("==> farm: build", "==> farm: check", "==> farm: install")
                .contains("passed");

        // 3. The artifact of a package: a tar.gz of its DESTDIR, with the shared library in it.
        Path tar = dir.resolve("libstr.tar.gz");
        CliResult get = farm.cli("artifact", "get", built.id(), "libstr", "-o", tar.toString());
        assertThat(get.exitCode()).as("%s", get).isZero();
        assertThat(Sha256.of(tar))
                .as("sha256 of the downloaded artifact")
                .isEqualTo(built.pkg("libstr").path("artifact").asText());
        assertThat(tarList(tar))
                .as("tar -tzf libstr.tar.gz")
                .contains("usr/lib/libstr.so.1.2.0", "usr/include/libstr/libstr.h");

        // 4. The same book again: everything comes from the cache, nothing is built.
        CliResult second = farm.cli("submit", demo.toString(), "--follow", "-o", "json");
        assertThat(second.exitCode()).as("%s", second).isZero();
        BuildView cached = new BuildView(second.json());
        assertThat(cached.id()).isNotEqualTo(built.id());
        assertThat(cached.state()).isEqualTo("SUCCEEDED");
        assertThat(cached.states())
                .as("%s", cached)
                .containsOnlyKeys(DEMO)
                .allSatisfy((id, state) -> assertThat(state).as(id).isEqualTo("CACHED"));
        assertThat(cached.field("attempts"))
                .as("nothing built\n%s", cached)
                .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo("0"));
        assertThat(cached.field("cache_hit"))
                .allSatisfy((id, hit) -> assertThat(hit).as(id).isEqualTo("true"));
        assertThat(cached.field("action_key")).isEqualTo(built.field("action_key"));
        assertThat(cached.field("artifact"))
                .as("the cached artifacts are the ones built")
                .isEqualTo(built.field("artifact"));
        assertThat(cached.json().path("progress").path("cached").asInt()).isEqualTo(7);

        // 5. A copy of the book with one recipe changed: libkv and its dependents are rebuilt, the rest is cached.
        Path changed = copyTree(demo, dir.resolve("demo-changed"));
        Path libkv = changed.resolve("packages/libkv.yaml");
        Files.writeString(libkv, Files.readString(libkv) + "env: {DEMO_REBUILD: \"1\"}\n");
        CliResult third = farm.cli("submit", changed.toString(), "--follow", "-o", "json");
        assertThat(third.exitCode()).as("%s", third).isZero();
        BuildView rebuilt = new BuildView(third.json());
        Map<String, String> expected = new TreeMap<>();
        for (String id : DEMO) {
            expected.put(id, LIBKV_AND_DEPENDENTS.contains(id) ? "SUCCEEDED" : "CACHED");
        }
        assertThat(rebuilt.states()).as("%s", rebuilt).isEqualTo(expected);
        for (String id : DEMO) {
            JsonNode p = rebuilt.pkg(id);
            boolean rebuiltHere = LIBKV_AND_DEPENDENTS.contains(id);
            assertThat(p.path("attempts").asInt()).as(id).isEqualTo(rebuiltHere ? 1 : 0);
            if (rebuiltHere) {
                assertThat(p.path("action_key").asText())
                        .as(id + " has a new action key")
                        .isNotEqualTo(built.pkg(id).path("action_key").asText());
            } else {
                assertThat(p.path("action_key").asText())
                        .as(id + " keeps its action key")
                        .isEqualTo(built.pkg(id).path("action_key").asText());
                assertThat(p.path("artifact").asText())
                        .as(id)
                        .isEqualTo(built.pkg(id).path("artifact").asText());
            }
        }
    }

    /** {@code tar -tzf FILE}: the entry names, without a leading "./". */
    static List<String> tarList(Path tar) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("tar", "-tzf", tar.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("tar -tzf %s: %s", tar, out).isZero();
        return out.lines().map(l -> l.startsWith("./") ? l.substring(2) : l).toList();
    }

    static Path copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }
}
