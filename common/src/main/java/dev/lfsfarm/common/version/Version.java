package dev.lfsfarm.common.version;

import java.util.ArrayList;
import java.util.List;

/**
 * A package version compared the way distributions do: split into runs of digits and runs of
 * letters; digit runs compare as numbers, letter runs as text, and a version that is a prefix of
 * another is older ({@code 2.76 < 2.76.1}, {@code 9.5 < 9.5p1}, {@code 1.10 > 1.9}).
 */
public final class Version implements Comparable<Version> {
    private final String text;
    private final List<String> parts;

    private Version(String text, List<String> parts) {
        this.text = text;
        this.parts = parts;
    }

    /** Parses a version; it must start with a digit and contain only letters, digits, '.', '-', '_', '+', '~'. */
    public static Version parse(String text) {
        String trimmed = text.trim();
        if (!trimmed.matches("[0-9][0-9A-Za-z._+~-]*")) {
            throw new IllegalArgumentException("'" + text + "' is not a version (expected e.g. 2.76 or 1.3.7)");
        }
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < trimmed.length()) {
            char c = trimmed.charAt(i);
            if (!Character.isLetterOrDigit(c)) {
                i++;
                continue;
            }
            int start = i;
            boolean digit = Character.isDigit(c);
            while (i < trimmed.length()
                    && Character.isLetterOrDigit(trimmed.charAt(i))
                    && Character.isDigit(trimmed.charAt(i)) == digit) {
                i++;
            }
            parts.add(trimmed.substring(start, i));
        }
        return new Version(trimmed, List.copyOf(parts));
    }

    @Override
    public int compareTo(Version other) {
        int n = Math.min(parts.size(), other.parts.size());
        for (int i = 0; i < n; i++) {
            int c = comparePart(parts.get(i), other.parts.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(parts.size(), other.parts.size());
    }

    private static int comparePart(String a, String b) {
        boolean aDigit = Character.isDigit(a.charAt(0));
        boolean bDigit = Character.isDigit(b.charAt(0));
        if (aDigit && bDigit) {
            String x = stripZeros(a);
            String y = stripZeros(b);
            return x.length() != y.length() ? Integer.compare(x.length(), y.length()) : x.compareTo(y);
        }
        if (aDigit != bDigit) {
            return aDigit ? 1 : -1; // a number outranks a letter suffix: 1.0.1 > 1.0a
        }
        return a.compareTo(b);
    }

    private static String stripZeros(String digits) {
        int i = 0;
        while (i < digits.length() - 1 && digits.charAt(i) == '0') {
            i++;
        }
        return digits.substring(i);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Version v && compareTo(v) == 0;
    }

    @Override
    public int hashCode() {
        return parts.stream().map(Version::stripZeros).toList().hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
