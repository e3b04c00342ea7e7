package dev.lfsfarm.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.PackageState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildTimelineTest {
    private static final double EXACT = 1e-9;

    static List<List<String>> ids(List<List<Run>> lanes) {
        return lanes.stream().map(lane -> lane.stream().map(Run::id).toList()).toList();
    }

    @Test
    void packsEachWorkersRunsIntoTheFewestGreedyLanes() {
        BuildTimeline t = BuildTimeline.of(SampleBuild.build(), SampleBuild.T0.plusSeconds(100));

        assertThat(t.lanes().keySet()).containsExactly("w1", "w2");
        assertThat(ids(t.lanes().get("w1"))).isEqualTo(List.of(List.of("a", "h"), List.of("b", "d")));
        assertThat(ids(t.lanes().get("w2"))).isEqualTo(List.of(List.of("c", "f")));
        assertThat(t.slots()).isEqualTo(3);
        assertThat(t.runs())
                .extracting(Run::id)
                .as("cached e and skipped g did not run")
                .containsExactly("a", "b", "c", "d", "f", "h");
        Run b = t.runs().get(1);
        assertThat(b.start()).isCloseTo(2, within(EXACT));
        assertThat(b.end()).isCloseTo(6, within(EXACT));
    }

    @Test
    void criticalPathWalksBackThroughTheLatestFinishingDependency() {
        BuildTimeline t = BuildTimeline.of(SampleBuild.build(), SampleBuild.T0.plusSeconds(100));

        assertThat(t.criticalPath()).containsExactly("a", "c", "f");
    }

    @Test
    void lowerBoundIsTheLongerOfTheLongestChainAndTheWorkPerSlot() {
        BuildTimeline t = BuildTimeline.of(SampleBuild.build(), SampleBuild.T0.plusSeconds(100));

        assertThat(t.makespan()).isCloseTo(40, within(EXACT));
        assertThat(t.busy()).isCloseTo(54, within(EXACT));
        assertThat(t.averageWork()).isCloseTo(18, within(EXACT));
        assertThat(t.longestChain()).as("a 10 + c 20 + f 9").isCloseTo(39, within(EXACT));
        assertThat(t.lowerBound()).isCloseTo(39, within(EXACT));
        assertThat(t.utilisation("w1")).as("(10 + 8 + 4 + 3) / (2 × 40)").isCloseTo(0.3125, within(EXACT));
        assertThat(t.utilisation("w2")).as("(20 + 9) / (1 × 40)").isCloseTo(0.725, within(EXACT));
    }

    @Test
    void withIndependentPackagesOnOneSlotTheWorkPerSlotIsTheBound() {
        Build b = Build.newBuilder()
                .setStartedAt(SampleBuild.at(0))
                .addPackages(SampleBuild.ran("x", "w", 0, 5, 5))
                .addPackages(SampleBuild.ran("y", "w", 5, 10, 5))
                .addPackages(SampleBuild.ran("z", "w", 11, 16, 5))
                .build();
        BuildTimeline t = BuildTimeline.of(b, SampleBuild.T0.plusSeconds(100));

        assertThat(ids(t.lanes().get("w"))).isEqualTo(List.of(List.of("x", "y", "z")));
        assertThat(t.longestChain()).isCloseTo(5, within(EXACT));
        assertThat(t.lowerBound()).isCloseTo(15, within(EXACT));
        assertThat(t.makespan()).isCloseTo(16, within(EXACT));
        assertThat(t.criticalPath()).as("z finished last and has no dependency").containsExactly("z");
    }

    @Test
    void aRunningPackageEndsNowAndTimeZeroIsTheFirstStartWhenTheBuildHasNone() {
        Build b = Build.newBuilder()
                .setState(BuildState.BUILD_STATE_RUNNING)
                .addPackages(SampleBuild.ran("x", "w", 3, 5, 2))
                .addPackages(SampleBuild.ran("y", "w", 5, 0, 0, "x")
                        .setState(PackageState.PACKAGE_STATE_RUNNING)
                        .clearFinishedAt())
                .build();
        BuildTimeline t = BuildTimeline.of(b, SampleBuild.T0.plusSeconds(12));

        assertThat(t.origin()).isEqualTo(SampleBuild.T0.plusSeconds(3));
        assertThat(t.runs())
                .extracting(Run::id, Run::start, Run::end)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("x", 0.0, 2.0),
                        org.assertj.core.groups.Tuple.tuple("y", 2.0, 9.0));
        assertThat(t.criticalPath()).containsExactly("x", "y");
    }

    @Test
    void longestChainCountsCachedLinksAsFreeAndSurvivesACycleInBadInput() {
        Map<String, List<String>> deps =
                Map.of("a", List.of(), "b", List.of("a"), "c", List.of("b"), "x", List.of("y"), "y", List.of("x"));
        assertThat(CriticalPath.longest(Map.of("a", 2.0, "c", 3.0, "x", 1.0, "y", 1.0), deps))
                .isCloseTo(5, within(EXACT));
    }
}
