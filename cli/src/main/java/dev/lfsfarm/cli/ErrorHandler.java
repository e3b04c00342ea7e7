package dev.lfsfarm.cli;

import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Turns failures into one readable message per problem and the documented exit code. Expected
 * errors never print a stack trace; unexpected ones do only with {@code FARM_DEBUG=1}.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        if (e instanceof InputException input) {
            for (InputError error : input.errors()) {
                err.println("farm: error: " + error);
            }
            if (input.errors().size() > 1) {
                err.println("farm: " + input.errors().size() + " errors");
            }
            err.flush();
            return ExitCodes.INPUT;
        }
        if (e instanceof UsageException) {
            err.println("farm: error: " + e.getMessage());
            err.flush();
            return ExitCodes.INPUT;
        }
        err.println("farm: failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        if ("1".equals(System.getenv("FARM_DEBUG"))) {
            e.printStackTrace(err);
        } else {
            err.println("farm: (set FARM_DEBUG=1 for details)");
        }
        err.flush();
        return ExitCodes.FAILURE;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        PrintWriter err = commandLine.getErr();
        err.println("farm: error: " + e.getMessage());
        err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help' for usage and examples.");
        err.flush();
        return ExitCodes.INPUT;
    }
}
