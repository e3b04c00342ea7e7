package dev.lfsfarm.coordinator.history;

import dev.lfsfarm.common.history.LearnedDurations;
import dev.lfsfarm.common.history.WorkerSpeedEstimator;
import dev.lfsfarm.coordinator.state.BuildStateStore;
import dev.lfsfarm.proto.v1.AttemptRecord;
import dev.lfsfarm.proto.v1.EstimateSource;
import dev.lfsfarm.proto.v1.PackageEstimate;
import dev.lfsfarm.proto.v1.PackageHistory;
import dev.lfsfarm.proto.v1.SpeedSource;
import dev.lfsfarm.proto.v1.WorkerCalibration;
import dev.lfsfarm.proto.v1.WorkerSpeed;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The benchmark manager: every finished attempt's figures per package, every worker's SBU
 * calibration, and what they imply (learned durations, worker speeds, regressions). Kept in memory
 * and written through the {@link BuildStateStore} before anyone is told, so it survives restarts
 * and failover like the builds do. Touched on the dispatcher's thread only.
 *
 * <p>A worker's seconds per SBU, first found first: its calibration ({@code farm calibrate}), the
 * figure it declares itself ({@code farm worker --sbu-seconds}), an estimate from its history
 * against the book's SBU, else unknown (the coordinator's default is then assumed).
 */
public final class AttemptHistory {
    private final BuildStateStore store;
    private final LearnedDurations learned;
    private final Map<String, PackageHistory> histories = new HashMap<>();
    private final Map<String, WorkerCalibration> calibrations = new LinkedHashMap<>();
    private final Map<String, Double> declared = new HashMap<>();
    private final WorkerSpeedEstimator estimator;

    public AttemptHistory(BuildStateStore store, LearnedDurations learned) {
        this.store = store;
        this.learned = learned;
        this.estimator = new WorkerSpeedEstimator(learned.model());
    }

    /** Reads what the store kept (at start, or when this coordinator takes over). */
    public void load() {
        histories.clear();
        histories.putAll(store.loadHistories());
        store.loadCalibrations().forEach(c -> calibrations.put(c.getWorker(), c));
        List<AttemptRecord> all = new ArrayList<>();
        histories.values().forEach(h -> all.addAll(h.getRecordsList()));
        all.sort(Comparator.comparingLong((AttemptRecord r) -> r.getFinishedAt().getSeconds())
                .thenComparingInt(r -> r.getFinishedAt().getNanos()));
        all.forEach(estimator::observe);
    }

    public LearnedDurations model() {
        return learned;
    }

    /**
     * Adds a finished attempt to its package's history, flagging it when it is a regression, and
     * makes it durable. Returns the record as kept.
     */
    public AttemptRecord record(AttemptRecord attempt) {
        PackageHistory earlier = histories.getOrDefault(
                attempt.getPackageId(),
                PackageHistory.newBuilder().setPackageId(attempt.getPackageId()).build());
        AttemptRecord.Builder r = attempt.toBuilder();
        learned.regression(earlier, attempt).ifPresent(r::setRegression);
        AttemptRecord kept = r.build();
        PackageHistory.Builder next = earlier.toBuilder().addRecords(kept);
        while (next.getRecordsCount() > BuildStateStore.HISTORY_KEPT) {
            next.removeRecords(0);
        }
        PackageHistory history = next.build();
        store.historyChanged(history);
        histories.put(history.getPackageId(), history);
        estimator.observe(kept);
        return kept;
    }

    /** Stores a worker's calibration, replacing its earlier one. */
    public void calibrated(WorkerCalibration calibration) {
        store.calibrated(calibration);
        calibrations.put(calibration.getWorker(), calibration);
    }

    /** The seconds per SBU a worker declares itself ({@code --sbu-seconds}); 0 = none. */
    public void declared(String worker, double secondsPerSbu) {
        if (secondsPerSbu > 0) {
            declared.put(worker, secondsPerSbu);
        } else {
            declared.remove(worker);
        }
    }

    /** How fast a worker is and where that comes from; seconds 0 with source DEFAULT when unknown. */
    public WorkerSpeed speed(String worker) {
        WorkerSpeed.Builder s = WorkerSpeed.newBuilder().setWorker(worker);
        WorkerCalibration c = calibrations.get(worker);
        if (c != null) {
            return s.setSecondsPerSbu(c.getSecondsPerSbu())
                    .setSource(SpeedSource.SPEED_SOURCE_CALIBRATED)
                    .setCalibratedAt(c.getMeasuredAt())
                    .build();
        }
        if (declared.containsKey(worker)) {
            return s.setSecondsPerSbu(declared.get(worker))
                    .setSource(SpeedSource.SPEED_SOURCE_CALIBRATED)
                    .build();
        }
        WorkerSpeedEstimator.Estimate e = estimator.estimate(worker);
        if (e.samples() > 0) {
            return s.setSecondsPerSbu(e.secondsPerSbu())
                    .setSource(SpeedSource.SPEED_SOURCE_ESTIMATED)
                    .setSamples(e.samples())
                    .build();
        }
        return s.setSource(SpeedSource.SPEED_SOURCE_DEFAULT).build();
    }

    /** Every worker with a calibration, a declared speed or history, by name. */
    public List<WorkerSpeed> speeds() {
        TreeSet<String> names = new TreeSet<>(calibrations.keySet());
        names.addAll(declared.keySet());
        names.addAll(estimator.workers());
        return names.stream().map(this::speed).toList();
    }

    public Optional<PackageHistory> history(String packageId) {
        return Optional.ofNullable(histories.get(packageId));
    }

    /** The scheduler's estimate for a package: learned when it has history, else its book SBU. */
    public PackageEstimate estimate(String packageId, double bookSbu) {
        PackageHistory h = histories.get(packageId);
        LearnedDurations.Learned l = h == null ? new LearnedDurations.Learned(0, 0) : learned.learned(h);
        PackageEstimate.Builder e = PackageEstimate.newBuilder().setPackageId(packageId);
        return l.known()
                ? e.setSbu(l.sbu())
                        .setSource(EstimateSource.ESTIMATE_SOURCE_LEARNED)
                        .setSamples(l.samples())
                        .build()
                : e.setSbu(bookSbu)
                        .setSource(EstimateSource.ESTIMATE_SOURCE_BOOK)
                        .build();
    }
}
