package dev.lfsfarm.cli.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lfsfarm.cli.CliRun;
import dev.lfsfarm.cli.FarmMain;
import dev.lfsfarm.common.testing.BookFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine;

class PlanCommandsTest {
    private static final String LFS = "../examples/lfs-chapter8.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode json(CliRun run) throws Exception {
        assertThat(run.exitCode()).as(run.err()).isZero();
        return JSON.readTree(run.out());
    }

    @Test
    void simulateLfsPrintsOneValidJsonSchedule() throws Exception {
        JsonNode result = json(CliRun.of("simulate", "--graph", LFS, "--workers", "3", "--output", "json"));
        assertThat(result.get("makespan_seconds").decimalValue())
                .isGreaterThanOrEqualTo(result.get("lower_bound_seconds").decimalValue());
        assertThat(result.get("lower_bound_seconds").asText()).isEqualTo("74.7");
        assertThat(result.get("critical_path").get(0).asText()).isEqualTo("glibc");
        assertThat(result.get("dropped_edges").isArray()).isTrue();
        JsonNode schedule = result.get("schedule");
        assertThat(schedule).hasSize(80);
        Set<String> workers = new HashSet<>();
        for (JsonNode run : schedule) {
            assertThat(run.fieldNames()).toIterable().containsExactly("id", "worker", "cores", "start", "end");
            assertThat(run.get("end").decimalValue())
                    .isGreaterThanOrEqualTo(run.get("start").decimalValue());
            workers.add(run.get("worker").asText());
        }
        assertThat(workers).containsExactlyInAnyOrder("worker-1", "worker-2", "worker-3");
    }

    @Test
    void withOneCoreEveryDurationIsSbuTimesSbuSeconds() throws Exception {
        JsonNode graph = JSON.readTree(Path.of(LFS).toFile());
        Map<String, Double> sbu = new HashMap<>();
        graph.get("packages")
                .forEach(p -> sbu.put(p.get("id").asText(), p.get("sbu").asDouble()));
        JsonNode result = json(CliRun.of(
                "plan",
                "--graph",
                LFS,
                "-w",
                "2",
                "--cores-per-worker",
                "1",
                "--sbu-seconds",
                "90",
                "--output",
                "json"));
        for (JsonNode run : result.get("schedule")) {
            double duration = run.get("end").asDouble() - run.get("start").asDouble();
            assertThat(duration)
                    .as(run.get("id").asText())
                    .isCloseTo(sbu.get(run.get("id").asText()) * 90, org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    @Test
    void criticalPathIsShorterThanFifoOnTheLfsGraphWithFourCoreWorkers() throws Exception {
        JsonNode cp = json(CliRun.of("simulate", "--graph", LFS, "-w", "2", "-c", "4", "-o", "json"));
        JsonNode fifo =
                json(CliRun.of("simulate", "--graph", LFS, "-w", "2", "-c", "4", "-o", "json", "--policy", "fifo"));
        assertThat(fifo.get("policy").asText()).isEqualTo("fifo");
        assertThat(cp.get("makespan_seconds").decimalValue())
                .isLessThanOrEqualTo(fifo.get("makespan_seconds").decimalValue());
    }

    @Test
    void planTextShowsMakespanCriticalPathAndBuildOrder() {
        CliRun run = CliRun.of("plan", "../examples/demo", "kvtool", "-w", "2", "-c", "2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("Plan of demo: 4 packages")
                .contains("makespan")
                .contains("lower bound")
                .contains("path            libstr → libkv → kvtool")
                .contains("libhash");
        assertThat(run.out()).doesNotContain("demo-suite");
    }

    @Test
    void ganttIsAnSvgWithABarPerPackageAndTheCriticalPathMarked() throws Exception {
        Path svg = dir.resolve("charts/lfs.svg");
        CliRun run = CliRun.of("simulate", "--graph", LFS, "-w", "3", "-c", "2", "--gantt", svg.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        NodeList groups = doc.getElementsByTagName("g");
        int bars = 0;
        int critical = 0;
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            if (g.getAttribute("class").startsWith("package")) {
                bars++;
                assertThat(g.getElementsByTagName("title").item(0).getTextContent())
                        .contains(" → ");
                critical += g.getAttribute("class").contains("critical") ? 1 : 0;
            }
        }
        assertThat(bars).isEqualTo(80);
        assertThat(critical).isEqualTo(18); // glibc ... vim, the data's critical path
        assertThat(Files.readString(svg)).contains(">worker-1<", ">worker-3<");
    }

    @Test
    void graphJsonIsItselfAGraphFile() throws Exception {
        CliRun graph = CliRun.of("graph", "../examples/demo", "--format", "json");
        assertThat(graph.exitCode()).as(graph.err()).isZero();
        Path file = dir.resolve("demo.json");
        Files.writeString(file, graph.out());
        JsonNode fromBook = json(CliRun.of("plan", "../examples/demo", "-o", "json"));
        JsonNode fromGraph = json(CliRun.of("plan", "--graph", file.toString(), "-o", "json"));
        assertThat(fromGraph.get("schedule")).isEqualTo(fromBook.get("schedule"));
    }

    @Test
    void graphJsonKeepsOptionalDependenciesTheProfileEnabled() throws Exception {
        Path book = new BookFixture(dir.resolve("book"))
                .book("name: b\nprofiles: {docs: {optional: [doxygen]}}\n")
                .simple("glib", "2.80", "optional: [doxygen]")
                .simple("doxygen", "1.10", "")
                .root();
        CliRun graph = CliRun.of("graph", book.toString(), "glib", "--profile", "docs", "-f", "json");
        assertThat(graph.exitCode()).as(graph.err()).isZero();
        assertThat(graph.out()).endsWith("}\n");
        Path file = dir.resolve("glib.json");
        Files.writeString(file, graph.out());
        JsonNode fromBook = json(CliRun.of("plan", book.toString(), "glib", "--profile", "docs", "-o", "json"));
        JsonNode fromGraph = json(CliRun.of("plan", "--graph", file.toString(), "-o", "json"));
        assertThat(fromGraph.get("schedule")).isEqualTo(fromBook.get("schedule"));
        assertThat(fromGraph.get("critical_path").toString()).isEqualTo("[\"doxygen\",\"glib\"]");
    }

    @Test
    void recipesWithLabelsNeedVirtualWorkersWithThoseLabels() {
        Path book = new BookFixture(dir)
                .recipe("zlib", "version: '1.3'\nlabels: {arch: x86_64}\n")
                .root();
        CliRun refused = CliRun.of("plan", book.toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err())
                .contains("labels: zlib needs workers labelled {arch=x86_64}")
                .contains("--worker-labels");
        CliRun placed = CliRun.of("plan", book.toString(), "--worker-labels", "arch=x86_64,os=lfs");
        assertThat(placed.exitCode()).as(placed.err()).isZero();
    }

    @Test
    void graphDotShowsEdgeClasses() {
        CliRun run = CliRun.of("graph", "../examples/demo", "--format", "dot");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out())
                .startsWith("digraph \"demo\" {")
                .contains("\"kvtool\" -> \"libhash\" [style=dashed, label=\"recommended\"]")
                .contains("\"demo-suite\" -> \"hello\" [style=dotted, color=gray, label=\"runtime\"]");
    }

    @Test
    void badBookExitsTwoWithOneLinePerErrorAndNoStackTrace() {
        Path book = new BookFixture(dir)
                .recipe("a", "version: '1'\nphazes: {build: make}\n")
                .recipe("b", "version: '1'\ndepends: {required: [zlib]}\n")
                .root();
        CliRun run = CliRun.of("plan", book.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err())
                .contains("farm: error: " + book.resolve("packages/a.yaml")
                        + ":2:1: phazes: unknown field (did you mean 'phases'?)")
                .contains("farm: error: " + book.resolve("packages/b.yaml")
                        + ":2:22: depends.required[0]: unknown dependency 'zlib'")
                .contains("farm: 2 errors")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
    }

    @Test
    void cycleExitsTwoUnlessBroken() {
        Path book = new BookFixture(dir)
                .simple("freetype2", "2.13", "recommended: [harfbuzz]")
                .simple("harfbuzz", "8.0", "required: [freetype2]")
                .root();
        CliRun refused = CliRun.of("plan", book.toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err())
                .contains("dependency cycle: freetype2 -(recommended)-> harfbuzz -(required)-> freetype2");
        CliRun broken = CliRun.of("plan", book.toString(), "--break-cycles");
        assertThat(broken.exitCode()).as(broken.err()).isZero();
        assertThat(broken.out()).contains("Note: dropped freetype2 -(recommended)-> harfbuzz to break");
        CliRun json = CliRun.of("plan", book.toString(), "--break-cycles", "-o", "json");
        assertThat(json.out()).contains("\"class\" : \"recommended\"");
        assertThat(json.err()).contains("farm: dropped freetype2 -(recommended)-> harfbuzz");
    }

    @Test
    void usageMistakesExitTwoWithAHint() {
        CliRun noBook = CliRun.of("plan");
        assertThat(noBook.exitCode()).isEqualTo(2);
        assertThat(noBook.err()).contains("give a book folder or --graph FILE");
        CliRun badFlag = CliRun.of("simulate", "--graph", LFS, "--workers", "zero");
        assertThat(badFlag.exitCode()).isEqualTo(2);
        assertThat(badFlag.err()).contains("--workers").contains("farm simulate --help");
        CliRun badPolicy = CliRun.of("simulate", "--graph", LFS, "--policy", "random");
        assertThat(badPolicy.exitCode()).isEqualTo(2);
        assertThat(badPolicy.err()).contains("'random' is not a policy");
        CliRun badModel = CliRun.of("simulate", "--graph", LFS, "--sbu-seconds", "0");
        assertThat(badModel.exitCode()).isEqualTo(2);
        assertThat(badModel.err()).contains("--sbu-seconds must be a positive number");
        CliRun noWorkers = CliRun.of("simulate", "--graph", LFS, "--workers", "0");
        assertThat(noWorkers.exitCode()).isEqualTo(2);
        assertThat(noWorkers.err()).contains("--workers must be at least 1");
        CliRun missing = CliRun.of("plan", "--graph", dir.resolve("nope.json").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("no such book folder or graph file");
    }

    @Test
    void everyCommandHasHelpWithExamples() {
        CommandLine root = FarmMain.newCommandLine();
        for (Map.Entry<String, CommandLine> sub : root.getSubcommands().entrySet()) {
            if (sub.getKey().equals("help")) {
                continue;
            }
            CliRun help = CliRun.of(sub.getKey(), "--help");
            assertThat(help.exitCode()).isZero();
            assertThat(help.out())
                    .as(sub.getKey())
                    .contains("Usage: farm " + sub.getKey())
                    .contains("Examples:")
                    .contains("farm " + sub.getKey() + " ");
        }
        assertThat(CliRun.of("--help").out()).contains("Examples:").contains("Exit codes");
    }
}
