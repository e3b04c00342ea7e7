package dev.lfsfarm.cli.plan;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.report.GanttChart;
import dev.lfsfarm.common.schedule.CriticalPath;
import dev.lfsfarm.common.schedule.Policy;
import dev.lfsfarm.common.simulate.SimulationConfig;
import dev.lfsfarm.common.simulate.SimulationResult;
import dev.lfsfarm.common.simulate.Simulator;
import dev.lfsfarm.common.simulate.WorkerLoss;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code farm simulate}: a discrete-event run of the real scheduler core in virtual time. */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
        description = {
            "Simulate a build on a virtual farm: the coordinator's build lifecycle and scheduler core, in virtual time.",
            "Compare policies (critical-path against fifo, the make-like baseline), farm sizes, cores and lost workers."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm simulate --graph examples/lfs-chapter8.json --workers 3",
            "  farm simulate --graph examples/lfs-chapter8.json --workers 3 --output json",
            "  farm simulate --graph examples/lfs-chapter8.json -w 2 -c 4 --policy fifo --gantt fifo.svg",
            "  farm simulate examples/demo --workers 2 --sbu-seconds 90 --gantt demo.svg",
            "  farm simulate --graph examples/lfs-chapter8.json -w 3 --lose-worker worker-2@30",
        })
public final class SimulateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GraphSource source;

    @Mixin
    FarmOptions farm;

    @Option(
            names = "--policy",
            paramLabel = "POLICY",
            defaultValue = "critical-path",
            converter = PolicyConverter.class,
            description = "critical-path (longest remaining path first) or fifo (book order, like make) "
                    + "(default: ${DEFAULT-VALUE}).")
    Policy policy;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    @Option(
            names = "--gantt",
            paramLabel = "FILE.svg",
            description = "Also write an SVG Gantt chart: a row per worker, the critical path in red.")
    Path gantt;

    @Option(
            names = "--lose-worker",
            paramLabel = "NAME@SECONDS",
            converter = WorkerLossConverter.class,
            description = "Declare virtual worker NAME (worker-1 … worker-K) lost at that second of the build, "
                    + "as a coordinator does when a worker's lease runs out: its running packages start again "
                    + "elsewhere, or fail past --max-requeues. Repeatable.")
    List<WorkerLoss> losses = new ArrayList<>();

    @Option(
            names = "--max-requeues",
            paramLabel = "N",
            defaultValue = "2",
            description = "How many times a package lost with its worker starts again before it fails, "
                    + "as farm coordinator --max-requeues (default: ${DEFAULT-VALUE}).")
    int maxRequeues;

    @Override
    public Integer call() throws Exception {
        if (maxRequeues < 0) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--max-requeues must be 0 or more, got " + maxRequeues);
        }
        ResolvedGraph graph = source.resolve();
        SimulationConfig config = farm.config(policy);
        for (WorkerLoss loss : losses) {
            if (!workerNames(config).contains(loss.worker())) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--lose-worker " + loss.worker() + ": no such virtual worker; the farm has "
                                + String.join(", ", workerNames(config)));
            }
        }
        double[] sbu = CriticalPath.bookSbu(graph);
        SimulationResult result = Simulator.run(graph, config, sbu, losses, maxRequeues);
        ScheduleOutput out = new ScheduleOutput(
                spec.commandLine().getOut(), spec.commandLine().getErr());
        String policyName = PolicyConverter.name(policy);
        if (output == OutputFormat.JSON) {
            out.json(result, policyName, farm.sbuSeconds());
        } else {
            out.droppedEdges(result);
            out.summary("Simulation", source.book().name(), graph, result, policyName);
            if (!losses.isEmpty()) {
                out.losses(losses, result, Simulator.run(graph, config, sbu));
            }
            out.workerUse(result);
        }
        if (gantt != null) {
            try {
                writeGantt(result, policyName);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot write the Gantt chart to " + gantt + ": " + e, e);
            }
            spec.commandLine().getErr().println("farm: wrote Gantt chart to " + gantt);
        }
        return ExitCodes.OK;
    }

    private static List<String> workerNames(SimulationConfig config) {
        List<String> names = new ArrayList<>();
        for (int w = 0; w < config.workers(); w++) {
            names.add(config.workerName(w));
        }
        return names;
    }

    private void writeGantt(SimulationResult result, String policyName) throws java.io.IOException {
        List<String> workers = new ArrayList<>();
        for (int w = 0; w < result.config().workers(); w++) {
            workers.add(result.config().workerName(w));
        }
        String title = source.book().name() + " — " + policyName + " on "
                + result.config().workers() + " × " + result.config().coresPerWorker() + " cores";
        Path parent = gantt.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(
                gantt,
                GanttChart.svg(title, result.schedule(), workers, result.criticalPath()),
                StandardCharsets.UTF_8);
    }
}
