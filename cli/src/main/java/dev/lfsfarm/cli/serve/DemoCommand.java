package dev.lfsfarm.cli.serve;

import dev.lfsfarm.cli.FarmMain;
import dev.lfsfarm.cli.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code farm demo}: {@code farm local examples/demo --workers 2}. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Build the demo book on a local farm of 2 workers.",
            "examples/demo holds real C libraries and programs, built with gcc and make; the command says",
            "where the artifacts and logs are. Run it twice: the second time every package is CACHED."
        },
        footerHeading = "%nExamples:%n",
        footer = {"  ./farm demo", "  ./farm demo --no-cache --workers 1"})
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = {"-w", "--workers"},
            paramLabel = "N",
            defaultValue = "2",
            description = "Workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--no-cache", description = "Build every package again.")
    boolean noCache;

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            defaultValue = "${env:FARM_LOCAL_DIR:-farm-local}",
            description = "State, artifacts and work folders (default: ${DEFAULT-VALUE}).")
    Path dir;

    @picocli.CommandLine.Mixin
    HttpOptions http;

    @Override
    public Integer call() {
        Path book = findDemo();
        List<String> args = new ArrayList<>(
                List.of("local", book.toString(), "--workers", String.valueOf(workers), "--dir", dir.toString()));
        if (noCache) {
            args.add("--no-cache");
        }
        if (http.http != null && !http.http.isBlank()) {
            args.addAll(List.of("--http", http.http));
        }
        var local = FarmMain.newCommandLine();
        local.setOut(spec.commandLine().getOut());
        local.setErr(spec.commandLine().getErr());
        return local.execute(args.toArray(String[]::new));
    }

    /** examples/demo here, or next to the jar's checkout (cli/target/farm.jar → ../../examples/demo). */
    private static Path findDemo() {
        Path here = Path.of("examples/demo");
        if (Files.isRegularFile(here.resolve("farm.yaml"))) {
            return here;
        }
        try {
            Path jar = Path.of(DemoCommand.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Path beside = jar.getParent().getParent().getParent().resolve("examples/demo");
            if (Files.isRegularFile(beside.resolve("farm.yaml"))) {
                return beside;
            }
        } catch (Exception e) {
            // fall through to the error below
        }
        throw new UsageException("cannot find examples/demo: run farm demo from the LFS Farm checkout");
    }
}
