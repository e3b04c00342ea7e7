package dev.lfsfarm.cli.plan;

import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.common.graph.DependencyResolver;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.BookInput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What to plan: a book folder or {@code --graph FILE}, optional targets, a profile and cycle handling. */
public final class GraphSource {
    @Parameters(
            paramLabel = "BOOK [TARGET...]",
            arity = "0..*",
            description = "A book folder (farm.yaml + packages/*.yaml), then the packages to build "
                    + "(default: every package). With --graph, every argument is a target.")
    List<String> arguments = new ArrayList<>();

    @Option(
            names = "--graph",
            paramLabel = "FILE",
            description = "A JSON dependency graph instead of a book (docs/reference/graph-format.md).")
    Path graphFile;

    @Option(
            names = "--profile",
            paramLabel = "NAME",
            description = "Book profile to use (default: the book's default_profile).")
    String profile;

    @Option(
            names = "--break-cycles",
            description = "Drop the weakest non-required edge of every dependency cycle and say which; "
                    + "without it a cycle is an error.")
    boolean breakCycles;

    @Option(
            names = "--default-sbu",
            paramLabel = "SBU",
            defaultValue = "0.1",
            description = "SBU of graph-file packages that give none (default: ${DEFAULT-VALUE}).")
    double defaultSbu;

    private Book book;

    /** Loads the book or graph and resolves the build. */
    public ResolvedGraph resolve() throws InputException {
        if (defaultSbu < 0 || Double.isNaN(defaultSbu)) {
            throw new UsageException("--default-sbu must not be negative, got " + defaultSbu);
        }
        Path input;
        List<String> targets;
        if (graphFile != null) {
            input = graphFile;
            targets = arguments;
        } else if (arguments.isEmpty()) {
            throw new UsageException("give a book folder or --graph FILE");
        } else {
            input = Path.of(arguments.get(0));
            targets = arguments.subList(1, arguments.size());
        }
        book = BookInput.open(input, defaultSbu);
        return new DependencyResolver(book, book.profile(profile), breakCycles).resolve(targets);
    }

    /** The book loaded by {@link #resolve()}. */
    public Book book() {
        return book;
    }
}
