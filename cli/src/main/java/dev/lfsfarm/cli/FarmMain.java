package dev.lfsfarm.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

/** Entry point of the {@code farm} command. */
public final class FarmMain {
    private FarmMain() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install(); // gRPC and ZooKeeper log through JUL; one backend for all
        return newCommandLine().execute(args);
    }

    public static CommandLine newCommandLine() {
        CommandLine commandLine = new CommandLine(new FarmCommand());
        ErrorHandler handler = new ErrorHandler();
        commandLine.setExecutionExceptionHandler(handler);
        commandLine.setParameterExceptionHandler(handler);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        return commandLine;
    }
}
