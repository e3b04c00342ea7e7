package dev.lfsfarm.cli.plan;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.schedule.Policy;
import dev.lfsfarm.common.simulate.SimulationResult;
import dev.lfsfarm.common.simulate.Simulator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code farm plan}: build order, estimated makespan and critical path, from the scheduler core. */
@Command(
        name = "plan",
        mixinStandardHelpOptions = true,
        description = {
            "Plan a build: the order packages start in, the estimated makespan, the lower bound and the critical path.",
            "The plan is the critical-path scheduler run in virtual time, exactly as 'farm simulate' does."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm plan --graph examples/lfs-chapter8.json --workers 3",
            "  farm plan examples/demo kvtool --workers 2 --cores-per-worker 4",
            "  farm plan --graph examples/lfs-chapter8.json -w 4 -c 4 -o json > plan.json",
            "  farm plan my-blfs-book --profile desktop --break-cycles",
        })
public final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GraphSource source;

    @Mixin
    FarmOptions farm;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "text or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    @Override
    public Integer call() throws Exception {
        ResolvedGraph graph = source.resolve();
        SimulationResult result = Simulator.run(graph, farm.config(Policy.CRITICAL_PATH));
        ScheduleOutput out = new ScheduleOutput(spec.commandLine().getOut(), spec.commandLine().getErr());
        if (output == OutputFormat.JSON) {
            out.json(result, "critical-path", farm.sbuSeconds());
        } else {
            out.droppedEdges(result);
            out.summary("Plan", source.book().name(), graph, result, "critical-path");
            out.buildOrder(result);
        }
        return ExitCodes.OK;
    }
}
