package dev.lfsfarm.common.history;

import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptRecord;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A worker's speed without a calibration: the median, over its recent successful attempts, of
 * {@code wall / (book SBU × core factor)}, i.e. how many seconds one book SBU took there on one core.
 * The book's SBU figures are rough per package, but their median over many packages is a fair
 * measure of the host. Fed record by record, oldest first.
 */
public final class WorkerSpeedEstimator {
    /** Recent attempts per worker the estimate is taken over. */
    static final int WINDOW = 50;

    private final DurationModel model;
    private final Map<String, ArrayDeque<Double>> ratios = new HashMap<>();

    public WorkerSpeedEstimator(DurationModel model) {
        this.model = model;
    }

    /** An estimate and how many attempts it rests on (0 = none). */
    public record Estimate(double secondsPerSbu, int samples) {}

    /** Takes one finished attempt into account. */
    public void observe(AttemptRecord r) {
        if (r.getOutcome() != AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED
                || r.getBookSbu() <= 0
                || r.getWallSeconds() <= 0) {
            return;
        }
        ArrayDeque<Double> window = ratios.computeIfAbsent(r.getWorker(), w -> new ArrayDeque<>());
        window.addLast(r.getWallSeconds() / (r.getBookSbu() * model.coreFactor(Math.max(1, r.getCores()))));
        if (window.size() > WINDOW) {
            window.removeFirst();
        }
    }

    public Estimate estimate(String worker) {
        ArrayDeque<Double> window = ratios.get(worker);
        if (window == null || window.isEmpty()) {
            return new Estimate(0, 0);
        }
        double[] values = window.stream().mapToDouble(Double::doubleValue).toArray();
        return new Estimate(Median.of(values, values.length), values.length);
    }

    /** Workers with at least one usable attempt. */
    public java.util.Set<String> workers() {
        return java.util.Collections.unmodifiableSet(ratios.keySet());
    }
}
