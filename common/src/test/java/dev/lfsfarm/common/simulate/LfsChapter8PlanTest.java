package dev.lfsfarm.common.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.common.graph.DependencyResolver;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.Dependency;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.recipe.GraphFileLoader;
import dev.lfsfarm.common.recipe.Profile;
import dev.lfsfarm.common.recipe.Recipe;
import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.schedule.Policy;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Plans the real LFS chapter 8 graph: all 80 packages, every required edge respected. */
class LfsChapter8PlanTest {

    @Test
    void planHasAll80PackagesInAnOrderThatRespectsEveryRequiredEdge() throws Exception {
        Book book = GraphFileLoader.load(Path.of("../examples/lfs-chapter8.json"), 0.1);
        ResolvedGraph graph = new DependencyResolver(book, Profile.DEFAULT).resolve(List.of());
        SimulationResult plan =
                Simulator.run(graph, SimulationConfig.of(3, 1, Policy.CRITICAL_PATH, DurationModel.ofSbuSeconds(1)));

        assertThat(plan.schedule()).hasSize(80);
        assertThat(plan.schedule())
                .extracting(ScheduledRun::id)
                .doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(
                        book.recipes().stream().map(Recipe::id).toList());
        Map<String, ScheduledRun> byId = new HashMap<>();
        plan.schedule().forEach(r -> byId.put(r.id(), r));
        int edges = 0;
        for (Recipe recipe : book.recipes()) {
            for (Dependency d : recipe.depends(DependencyClass.REQUIRED)) {
                assertThat(byId.get(recipe.id()).startMicros())
                        .as("%s starts after %s ends", recipe.id(), d.target())
                        .isGreaterThanOrEqualTo(byId.get(d.target()).endMicros());
                edges++;
            }
        }
        assertThat(edges).isEqualTo(472);
        // the data's own figures: 94.5 SBU of work, a 74.7 SBU critical path
        assertThat(plan.criticalPathMicros()).isEqualTo(74_700_000);
        assertThat(plan.lowerBoundMicros()).isEqualTo(74_700_000);
        assertThat(plan.makespanMicros()).isBetween(74_700_000L, 94_500_000L);
        assertThat(plan.criticalPath()).startsWith("glibc").endsWith("vim");
    }
}
