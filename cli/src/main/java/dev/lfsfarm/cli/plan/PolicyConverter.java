package dev.lfsfarm.cli.plan;

import dev.lfsfarm.common.schedule.Policy;
import java.util.Locale;
import picocli.CommandLine;

/** Reads {@code critical-path} / {@code fifo} (also {@code CRITICAL_PATH}) into a {@link Policy}. */
public final class PolicyConverter implements CommandLine.ITypeConverter<Policy> {
    @Override
    public Policy convert(String value) {
        String normalised = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (Policy p : Policy.values()) {
            if (p.name().equals(normalised)) {
                return p;
            }
        }
        throw new CommandLine.TypeConversionException("'" + value + "' is not a policy (critical-path or fifo)");
    }

    /** The spelling used on the command line and in JSON. */
    public static String name(Policy policy) {
        return policy.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
