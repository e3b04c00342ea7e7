package dev.lfsfarm.cli.checkpoint;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** An age option: {@code 90s}, {@code 30m}, {@code 1h}, {@code 2d}; a bare number is seconds. */
final class AgeConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern AGE = Pattern.compile("(\\d{1,9})\\s*([smhd]?)");

    @Override
    public Duration convert(String value) {
        Matcher m = AGE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not an age (e.g. 90s, 30m, 1h, 2d)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
    }
}
