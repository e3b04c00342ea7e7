package dev.lfsfarm.cli.plan;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.remote.CoordinatorOptions;
import dev.lfsfarm.cli.remote.LearnedEstimates;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.schedule.Policy;
import dev.lfsfarm.common.simulate.SimulationResult;
import dev.lfsfarm.common.simulate.Simulator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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
            "  farm plan examples/demo --learned --zk zk1:2181 -w 2 -c 4   (durations learned by the farm)",
        })
public final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GraphSource source;

    @Mixin
    FarmOptions farm;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    @Option(
            names = "--learned",
            description = {
                "Ask the farm (--coordinator or --zk) for the durations it learned from measured history, and use them",
                "instead of the book's SBU where it has some. The build order says which estimate each package got."
            })
    boolean learned;

    @Mixin
    CoordinatorOptions coordinator;

    @Override
    public Integer call() throws Exception {
        ResolvedGraph graph = source.resolve();
        LearnedEstimates estimates =
                learned ? LearnedEstimates.fetch(coordinator, graph) : LearnedEstimates.book(graph);
        SimulationResult result = Simulator.run(graph, farm.config(Policy.CRITICAL_PATH), estimates.sbu());
        ScheduleOutput out = new ScheduleOutput(
                spec.commandLine().getOut(), spec.commandLine().getErr());
        if (output == OutputFormat.JSON) {
            out.json(result, "critical-path", farm.sbuSeconds(), estimates.sources());
        } else {
            out.droppedEdges(result);
            out.summary("Plan", source.book().name(), graph, result, "critical-path");
            out.estimates(estimates);
            out.buildOrder(result, estimates.sources());
        }
        return ExitCodes.OK;
    }
}
