package dev.lfsfarm.cli.plan;

import dev.lfsfarm.common.simulate.WorkerLoss;
import picocli.CommandLine;

/** Reads {@code --lose-worker NAME@SECONDS}: a virtual worker and the virtual second it is declared lost. */
final class WorkerLossConverter implements CommandLine.ITypeConverter<WorkerLoss> {
    @Override
    public WorkerLoss convert(String value) {
        int at = value.lastIndexOf('@');
        if (at <= 0 || at == value.length() - 1) {
            throw new CommandLine.TypeConversionException(
                    "expected NAME@SECONDS (a virtual worker and when it is lost, e.g. worker-2@30), got '" + value
                            + "'");
        }
        double seconds;
        try {
            seconds = Double.parseDouble(value.substring(at + 1));
        } catch (NumberFormatException e) {
            seconds = Double.NaN;
        }
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            throw new CommandLine.TypeConversionException("the time in '" + value
                    + "' must be a number of seconds from the start of the build, 0 or more (e.g. worker-2@30.5)");
        }
        return new WorkerLoss(value.substring(0, at), Math.round(seconds * 1e6));
    }
}
