package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import java.io.PrintWriter;
import picocli.CommandLine.Mixin;

/**
 * A remote command that shows one view: it fetches a record {@code V} from the coordinator, then
 * prints it as JSON ({@code -o json}, written from the record by {@link JsonViews}) or as text
 * (written by {@link #printText} from the same record). So both forms always carry the same data.
 *
 * @param <V> the view record
 */
public abstract class ViewCommand<V> extends RemoteCommand {
    @Mixin
    Output output;

    /** Asks the coordinator and builds the view. */
    protected abstract V view() throws Exception;

    /** The text form of {@code view}, for people. */
    protected abstract void printText(V view, PrintWriter out);

    /** The exit code for {@code view} (default 0). */
    protected int exitCode(V view) {
        return ExitCodes.OK;
    }

    @Override
    protected final int run() throws Exception {
        V view = view();
        PrintWriter out = out();
        if (output.json()) {
            JsonViews.write(out, view);
        } else {
            printText(view, out);
            out.flush();
        }
        return exitCode(view);
    }
}
