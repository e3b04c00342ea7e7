package dev.lfsfarm.cli;

import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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
        if (e instanceof StatusRuntimeException status) {
            return remoteError(status, commandLine, err);
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

    /** A coordinator answer: one readable line and the documented exit code. */
    private static int remoteError(StatusRuntimeException e, CommandLine commandLine, PrintWriter err) {
        Status status = e.getStatus();
        String description = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        int code = switch (status.getCode()) {
            case INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, OUT_OF_RANGE -> ExitCodes.INPUT;
            case UNAVAILABLE, DEADLINE_EXCEEDED -> ExitCodes.UNREACHABLE;
            default -> ExitCodes.FAILURE;
        };
        if (code == ExitCodes.UNREACHABLE) {
            String cause = e.getCause() == null || e.getCause().getMessage() == null
                    ? description
                    : e.getCause().getMessage();
            err.println("farm: cannot reach the coordinator: " + cause);
            err.println(
                    "farm: (is 'farm coordinator' running? say where with --coordinator HOST:PORT[,HOST:PORT...] or --zk CONNECT,"
                            + " or FARM_COORDINATOR / FARM_ZK)");
        } else {
            for (String line : description.split("\n")) {
                err.println("farm: error: " + line);
            }
        }
        err.flush();
        return code;
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
