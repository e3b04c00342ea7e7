package dev.lfsfarm.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every command's {@code --help} is documented in docs/reference/cli.md: each command and
 * subcommand of {@link FarmCommand} has a section (a heading naming {@code `farm COMMAND`}; a
 * subcommand may live in its parent's section, which then names it in full), and that section
 * mentions each of the command's long option names. {@code -h/--help} and {@code -V/--version},
 * which every command has, are documented once in the page's conventions.
 */
class CliReferenceTest {
    private static final Pattern HEADING = Pattern.compile("^(#+)\\s+(.*)$");

    /** One heading and the text up to the next heading of the same or a higher level. */
    record Section(String heading, String text) {}

    @Test
    void everyCommandAndOptionIsDocumented() throws IOException {
        List<Section> sections = sections(Files.readString(Path.of("../docs/reference/cli.md")));
        List<String> missing = new ArrayList<>();
        walk(FarmMain.newCommandLine(), sections, missing);
        assertTrue(missing.isEmpty(), "docs/reference/cli.md lacks:\n  " + String.join("\n  ", missing));
    }

    private static void walk(CommandLine command, List<Section> sections, List<String> missing) {
        CommandSpec spec = command.getCommandSpec();
        String name = spec.qualifiedName();
        Section section = sectionOf(spec, sections);
        if (section == null) {
            missing.add("a section for `" + name + "`");
        } else {
            if (!section.text().contains(name)) {
                missing.add("`" + name + "` in the section '" + section.heading() + "'");
            }
            for (OptionSpec option : spec.options()) {
                if (option.usageHelp() || option.versionHelp() || option.hidden()) {
                    continue;
                }
                String longName = option.longestName();
                if (longName.startsWith("--") && !mentions(section.text(), longName)) {
                    missing.add(longName + " of `" + name + "` in the section '" + section.heading() + "'");
                }
            }
        }
        for (CommandLine sub : command.getSubcommands().values()) {
            if (sub.getCommandSpec().parent() == spec
                    && sub.getCommandName().equals(sub.getCommandSpec().name())) {
                walk(sub, sections, missing);
            }
        }
    }

    /** The section whose heading names this command, else its parent's. */
    private static Section sectionOf(CommandSpec spec, List<Section> sections) {
        for (CommandSpec s = spec; s != null; s = s.parent()) {
            String named = "`" + s.qualifiedName() + "`";
            for (Section section : sections) {
                if (section.heading().contains(named) || section.heading().contains("`" + s.qualifiedName() + " ")) {
                    return section;
                }
            }
        }
        return null;
    }

    /** Whether {@code option} appears as a whole word (so --follow does not count for --follow-up). */
    private static boolean mentions(String text, String option) {
        return Pattern.compile("(?<![\\w-])" + Pattern.quote(option) + "(?![\\w-])")
                .matcher(text)
                .find();
    }

    private static List<Section> sections(String markdown) {
        String[] lines = markdown.split("\n", -1);
        List<Section> sections = new ArrayList<>();
        boolean fenced = false;
        List<int[]> headings = new ArrayList<>(); // line index, level
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("```")) {
                fenced = !fenced;
            }
            Matcher m = HEADING.matcher(lines[i]);
            if (!fenced && m.matches()) {
                headings.add(new int[] {i, m.group(1).length()});
            }
        }
        for (int h = 0; h < headings.size(); h++) {
            int start = headings.get(h)[0];
            int level = headings.get(h)[1];
            int end = lines.length;
            for (int next = h + 1; next < headings.size(); next++) {
                if (headings.get(next)[1] <= level) {
                    end = headings.get(next)[0];
                    break;
                }
            }
            sections.add(new Section(
                    lines[start],
                    String.join("\n", java.util.Arrays.asList(lines).subList(start, end))));
        }
        return sections;
    }
}
