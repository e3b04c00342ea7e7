package dev.lfsfarm.common.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.common.graph.DependencyResolver;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.recipe.GraphFileLoader;
import dev.lfsfarm.common.recipe.Profile;
import dev.lfsfarm.common.recipe.Recipe;
import dev.lfsfarm.common.schedule.CriticalPath;
import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.testing.SyntheticGraphs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the generator and the benchmark working. Nothing here is timed: the figures live in
 * docs/performance.md and come from running the benchmark itself.
 */
class SchedulerBenchmarkTest {
    @TempDir
    Path dir;

    private static ResolvedGraph resolve(Book book) throws Exception {
        return new DependencyResolver(book, Profile.DEFAULT).resolve(List.of());
    }

    @Test
    void randomGraphIsDeterministicAcyclicAndHasAboutFiveEdgesPerPackage() throws Exception {
        Book a = SyntheticGraphs.random(5_000, 7);
        Book b = SyntheticGraphs.random(5_000, 7);
        assertThat(a.recipes()).hasSize(5_000);
        for (int i = 0; i < a.recipes().size(); i++) {
            Recipe r = a.recipes().get(i);
            assertThat(r.id()).isEqualTo(SyntheticGraphs.id(i));
            assertThat(r.depends(DependencyClass.REQUIRED))
                    .isEqualTo(b.recipes().get(i).depends(DependencyClass.REQUIRED));
            assertThat(r.sbu()).isEqualTo(b.recipes().get(i).sbu()).isBetween(0.1, 10.0);
            assertThat(r.parallelJobs()).isBetween(1, 8);
            r.depends(DependencyClass.REQUIRED)
                    .forEach(d -> assertThat(d.target()).isLessThan(r.id()));
        }
        ResolvedGraph graph = resolve(a);
        assertThat(graph.size()).isEqualTo(5_000);
        assertThat((double) graph.edgeCount() / graph.size()).isBetween(4.5, 5.5);
        // Depth: the longest chain has many packages, not a handful.
        CriticalPath path = new CriticalPath(graph, DurationModel.ofSbuSeconds(1), 4);
        assertThat(path.ids().size()).isGreaterThan(10);
        assertThat(SyntheticGraphs.random(5_000, 8).recipes().get(4_999))
                .isNotEqualTo(a.recipes().get(4_999));
    }

    @Test
    void wideGraphIsShallowWithManyRoots() throws Exception {
        ResolvedGraph graph = resolve(SyntheticGraphs.wide(2_000, 4, 5, 3));
        CriticalPath path = new CriticalPath(graph, DurationModel.ofSbuSeconds(1), 4);
        assertThat(path.ids().size()).isLessThanOrEqualTo(4);
        long roots = java.util.stream.IntStream.range(0, graph.size())
                .filter(i -> graph.dependencies(i).length == 0)
                .count();
        assertThat(roots).isGreaterThanOrEqualTo(500);
    }

    @Test
    void chainIsOneLongPath() throws Exception {
        ResolvedGraph graph = resolve(SyntheticGraphs.chain(300));
        assertThat(graph.edgeCount()).isEqualTo(299);
        assertThat(new CriticalPath(graph, DurationModel.ofSbuSeconds(1), 1).ids())
                .hasSize(300);
    }

    @Test
    void writtenGraphFileLoadsBackToTheSameGraph() throws Exception {
        Book book = SyntheticGraphs.random(300, 11);
        Path file = dir.resolve("g.json");
        SchedulerBenchmark.writeGraphFile(book, file);
        Book loaded = GraphFileLoader.load(file, 1.0);
        assertThat(loaded.recipes()).hasSize(300);
        for (int i = 0; i < 300; i++) {
            Recipe expected = book.recipes().get(i);
            Recipe actual = loaded.recipes().get(i);
            assertThat(actual.id()).isEqualTo(expected.id());
            assertThat(actual.sbu()).isEqualTo(expected.sbu());
            assertThat(actual.parallelJobs()).isEqualTo(expected.parallelJobs());
            assertThat(actual.depends(DependencyClass.REQUIRED).stream()
                            .map(d -> d.target())
                            .toList())
                    .isEqualTo(expected.depends(DependencyClass.REQUIRED).stream()
                            .map(d -> d.target())
                            .toList());
        }
    }

    @Test
    void benchmarkRunsEveryMeasurementOnASmallGraph() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        List<SchedulerBenchmark.Measurement> all = SchedulerBenchmark.run(
                SchedulerBenchmark.Options.parse(new String[] {"400", "--reps=1", "--warmup=0"}), out);
        assertThat(all)
                .extracting(SchedulerBenchmark.Measurement::name)
                .containsExactly(
                        "resolve",
                        "critical-path",
                        "plan",
                        "simulate",
                        "farm-plan",
                        "simulate-fifo",
                        "load",
                        "load-farm-plan");
        SchedulerBenchmark.printTable(all, out);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("makespan_s n=400 workers=8 cores=4");
    }
}
