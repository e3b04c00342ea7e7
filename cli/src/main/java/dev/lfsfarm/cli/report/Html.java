package dev.lfsfarm.cli.report;

import dev.lfsfarm.common.report.Seconds;
import java.util.Locale;

/** Escaping and number formats shared by the report's writers. */
final class Html {
    private Html() {}

    /** Text safe in HTML and SVG content and in quoted attribute values. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** Seconds for people: "4.2 s", "3 min 05 s". */
    static String seconds(double seconds) {
        return Seconds.human(Math.round(seconds * 1e6));
    }

    /** A fraction as a whole percentage: "87%". */
    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.0f%%", fraction * 100);
    }

    /** A number with at most {@code decimals} decimals, no exponent: for attributes and SBU. */
    static String number(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
