package dev.lfsfarm.cli;

import dev.lfsfarm.cli.plan.GraphCommand;
import dev.lfsfarm.cli.plan.PlanCommand;
import dev.lfsfarm.cli.plan.SimulateCommand;
import dev.lfsfarm.cli.remote.ArtifactCommand;
import dev.lfsfarm.cli.remote.CancelCommand;
import dev.lfsfarm.cli.remote.ExplainCommand;
import dev.lfsfarm.cli.remote.LogsCommand;
import dev.lfsfarm.cli.remote.RetryCommand;
import dev.lfsfarm.cli.remote.StatusCommand;
import dev.lfsfarm.cli.remote.SubmitCommand;
import dev.lfsfarm.cli.remote.WorkersCommand;
import dev.lfsfarm.cli.serve.CoordinatorCommand;
import dev.lfsfarm.cli.serve.DemoCommand;
import dev.lfsfarm.cli.serve.LocalCommand;
import dev.lfsfarm.cli.serve.WorkerCommand;
import picocli.CommandLine.Command;

/** The top-level {@code farm} command. */
@Command(
        name = "farm",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "LFS Farm: a distributed build farm for Linux From Scratch and Beyond LFS.",
        subcommands = {
            GraphCommand.class,
            PlanCommand.class,
            SimulateCommand.class,
            SubmitCommand.class,
            StatusCommand.class,
            LogsCommand.class,
            WorkersCommand.class,
            CancelCommand.class,
            RetryCommand.class,
            dev.lfsfarm.cli.remote.ResumeCommand.class,
            ExplainCommand.class,
            ArtifactCommand.class,
            dev.lfsfarm.cli.checkpoint.CheckpointCommand.class,
            dev.lfsfarm.cli.remote.CalibrateCommand.class,
            dev.lfsfarm.cli.remote.HistoryCommand.class,
            dev.lfsfarm.cli.report.ReportCommand.class,
            dev.lfsfarm.cli.report.SbuReportCommand.class,
            CoordinatorCommand.class,
            WorkerCommand.class,
            LocalCommand.class,
            DemoCommand.class,
            dev.lfsfarm.cli.serve.ZkCommand.class,
            picocli.CommandLine.HelpCommand.class
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm demo",
            "  farm simulate --graph examples/lfs-chapter8.json --workers 3",
            "  farm plan examples/demo --workers 2 --cores-per-worker 4",
            "  farm graph examples/demo --format dot | dot -Tsvg > demo.svg",
            "",
            "Exit codes: 0 success, 1 failure, 2 bad input, 3 coordinator unreachable.",
            "Run 'farm COMMAND --help' for a command's options and examples."
        })
public final class FarmCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a command is needed");
    }
}
