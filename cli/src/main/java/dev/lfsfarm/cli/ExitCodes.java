package dev.lfsfarm.cli;

/** The farm command's exit codes, the same for every subcommand (docs/reference/cli.md). */
public final class ExitCodes {
    /** Success: everything asked for was done. */
    public static final int OK = 0;
    /** Failure: the input was fine but something failed (a package, a write, a build). */
    public static final int FAILURE = 1;
    /** Bad input: a recipe, book, graph, flag or config value is wrong; the message names it. */
    public static final int INPUT = 2;
    /** The coordinator could not be reached. */
    public static final int UNREACHABLE = 3;

    private ExitCodes() {}
}
