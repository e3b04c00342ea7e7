package dev.lfsfarm.cli.report;

import static org.assertj.core.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;

/**
 * Loads a page in headless Chromium (the Debian package {@code chromium}; .ci/run installs it) and
 * returns the DOM after its scripts ran, with the browser's log. A missing browser fails the test
 * with a clear message; only {@code FARM_SKIP_BROWSER_TESTS=1} skips, and CI never sets it.
 */
public final class HeadlessChromium {
    private static final long TIMEOUT_SECONDS = 90;

    /** A page as the browser left it. */
    public record Page(String dom, String log) {
        /** The body's data-rendered attribute ("ok" once the page's own check passed), or null. */
        public String rendered() {
            Matcher m =
                    Pattern.compile("<body[^>]*\\sdata-rendered=\"([^\"]*)\"").matcher(dom);
            return m.find() ? m.group(1) : null;
        }

        /** What the page recorded in #script-errors. */
        public String scriptErrors() {
            Matcher m = Pattern.compile("<pre id=\"script-errors\">(.*?)</pre>", Pattern.DOTALL)
                    .matcher(dom);
            return m.find() ? m.group(1) : "(no #script-errors element)";
        }

        public int count(String regex) {
            Matcher m = Pattern.compile(regex).matcher(dom);
            int n = 0;
            while (m.find()) {
                n++;
            }
            return n;
        }

        /** Uncaught script errors in the browser's console log. */
        public List<String> uncaught() {
            return log.lines().filter(line -> line.contains("Uncaught")).toList();
        }
    }

    private HeadlessChromium() {}

    /** The page after its scripts ran ({@code --dump-dom}), with the console log (stderr). */
    public static Page load(Path html, Path scratch) throws IOException, InterruptedException {
        Path out = scratch.resolve("dom.html");
        Path log = scratch.resolve("chromium.log");
        run(
                scratch,
                log,
                out,
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                html.toUri().toString());
        return new Page(Files.readString(out, StandardCharsets.UTF_8), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** A screenshot of the page; fails unless the browser wrote one. */
    public static BufferedImage screenshot(Path html, Path scratch, int width, int height)
            throws IOException, InterruptedException {
        Path png = scratch.resolve("page.png");
        run(
                scratch,
                scratch.resolve("screenshot.log"),
                scratch.resolve("screenshot.out"),
                "--hide-scrollbars",
                "--window-size=" + width + "," + height,
                "--screenshot=" + png,
                html.toUri().toString());
        if (!Files.exists(png)) {
            fail(
                    "chromium wrote no screenshot to %s; its log:%n%s",
                    png, Files.readString(scratch.resolve("screenshot.log")));
        }
        return ImageIO.read(png.toFile());
    }

    /** How many different colours the image has (a blank page has one or two). */
    public static int colours(BufferedImage image) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }

    private static void run(Path scratch, Path log, Path out, String... args) throws IOException, InterruptedException {
        String binary = binary();
        List<String> command = new ArrayList<>(List.of(
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + scratch.resolve("profile")));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail("%s did not finish within %d s; its log:%n%s", command, TIMEOUT_SECONDS, Files.readString(log));
        }
        if (p.exitValue() != 0) {
            fail("%s exited %d; its log:%n%s", command, p.exitValue(), Files.readString(log));
        }
    }

    /** chromium on PATH (or $CHROMIUM). */
    static String binary() {
        String configured = System.getenv("CHROMIUM");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        String why =
                "headless Chromium is needed to check that the HTML build report renders, and 'chromium' is not on PATH."
                        + " Install it (Debian: apt-get install chromium; .ci/run does), point CHROMIUM at the binary,"
                        + " or set FARM_SKIP_BROWSER_TESTS=1 to skip these checks on this machine.";
        Assumptions.assumeFalse("1".equals(System.getenv("FARM_SKIP_BROWSER_TESTS")), why);
        throw new AssertionError(why);
    }
}
