package dev.lfsfarm.cli.remote;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of the commands that talk to the coordinator. It carries what they all share: where the
 * coordinator is ({@link CoordinatorOptions}: {@code --coordinator} or {@code --zk}), a session
 * retried across failovers ({@link CoordinatorSession}), and the command's stdout and stderr. A
 * subclass declares only its own options and its work in {@link #run()}.
 *
 * <p>Errors are not caught here: whatever {@link #run()} throws reaches the CLI's one error handler
 * ({@code dev.lfsfarm.cli.ErrorHandler}), which prints one line per problem and exits with the
 * documented code (2 bad input or a coordinator's INVALID_ARGUMENT/NOT_FOUND, 3 coordinator
 * unreachable, 1 anything else).
 */
public abstract class RemoteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CoordinatorOptions coordinator;

    @Override
    public final Integer call() throws Exception {
        return run();
    }

    /** The command's work; returns the exit code. */
    protected abstract int run() throws Exception;

    /** The command's stdout. */
    protected final PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** The command's stderr (notes, progress). */
    protected final PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Runs {@code work} in a session of its own, retried against the leader as {@link CoordinatorSession#call} says. */
    protected final <T> T remote(CoordinatorSession.Work<T> work) throws Exception {
        return RemoteCall.with(coordinator, work);
    }

    /** Where the coordinator is, as the flags and the environment say. */
    protected final CoordinatorOptions coordinator() {
        return coordinator;
    }

    /** A session for several calls; notes go to the command's stderr. The caller closes it. */
    protected final CoordinatorSession session() {
        return coordinator.open();
    }
}
