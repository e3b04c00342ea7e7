package dev.lfsfarm.cli;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

/** Entry point of the {@code farm} command. */
public final class FarmMain {
    private FarmMain() {}

    private static final String LAUNCH_MECHANISM = "jdk.lang.Process.launchMechanism";

    public static void main(String[] args) {
        // A worker starts a process per phase; vfork saves the exec of jspawnhelper that the
        // default posix_spawn pays (about 1 ms of CPU per phase). Read once, before the first start.
        // Newer JDKs deprecate it (a warning on stderr) and plan its removal: only up to 21.
        if (System.getProperty(LAUNCH_MECHANISM) == null && Runtime.version().feature() <= 21) {
            System.setProperty(LAUNCH_MECHANISM, "VFORK");
        }
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install(); // gRPC and ZooKeeper log through JUL; one backend for all
        CommandLine commandLine = newCommandLine();
        // Buffered UTF-8 stdout: a 100,000-package schedule prints fast and arrows print as arrows.
        PrintWriter out = new PrintWriter(new BufferedWriter(
                new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 1 << 16));
        commandLine.setOut(out);
        commandLine.setErr(new PrintWriter(
                new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true));
        try {
            return commandLine.execute(args);
        } finally {
            out.flush();
        }
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
