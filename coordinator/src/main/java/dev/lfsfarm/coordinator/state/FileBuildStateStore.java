package dev.lfsfarm.coordinator.state;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.lfsfarm.coordinator.checkpoint.CheckpointName;
import dev.lfsfarm.proto.v1.AttemptRecord;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.PackageHistory;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.WorkerCalibration;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Build state in a folder: per build {@code spec.pb} (the request), {@code build.pb} (build
 * fields, rewritten atomically) and {@code journal} (length-delimited package updates, appended and
 * flushed). A journal keeps each write small however large the build is. Single writer.
 *
 * <p>Checkpoints: one file per checkpoint, {@code checkpoints/<name>.pb} (a {@link Checkpoint}
 * summary; the entries are in the artifact store), written atomically.
 *
 * <p>Benchmark manager: {@code history} (length-delimited {@link AttemptRecord}s, appended; compacted
 * to the kept records per package when loading finds it more than twice as long) and
 * {@code calibrations.pb} (length-delimited {@link WorkerCalibration}s, rewritten atomically).
 */
public final class FileBuildStateStore implements BuildStateStore {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FileBuildStateStore.class);
    private static final String CHECKPOINT_SUFFIX = ".pb";

    private final Path root;
    private final Path checkpoints;

    @GuardedBy("this")
    private final Map<String, OutputStream> journals = new HashMap<>();

    private final Path historyFile;
    private final Path calibrationsFile;

    @GuardedBy("this")
    private OutputStream history;

    public FileBuildStateStore(Path stateDir) {
        this.root = stateDir.resolve("builds");
        this.checkpoints = stateDir.resolve("checkpoints");
        this.historyFile = stateDir.resolve("history");
        this.calibrationsFile = stateDir.resolve("calibrations.pb");
        try {
            Files.createDirectories(root);
            Files.createDirectories(checkpoints);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create state folder " + root, e);
        }
    }

    @Override
    public synchronized void created(SubmitBuildRequest spec, Build build) {
        try {
            Path dir = Files.createDirectories(root.resolve(build.getBuildId()));
            writeAtomically(dir.resolve("spec.pb"), spec.toByteArray());
            writeAtomically(dir.resolve("build.pb"), build.toByteArray());
            packagesChanged(build.getBuildId(), build.getPackagesList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void packagesChanged(String buildId, List<PackageStatus> changed) {
        try {
            OutputStream journal = journals.computeIfAbsent(buildId, this::openJournal);
            for (PackageStatus status : changed) {
                status.writeDelimitedTo(journal);
            }
            journal.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void buildChanged(Build build) {
        try {
            writeAtomically(
                    root.resolve(build.getBuildId()).resolve("build.pb"),
                    build.toBuilder().clearPackages().build().toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized List<StoredBuild> loadAll() {
        List<StoredBuild> result = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory)
                    .sorted(Comparator.comparing(this::submittedOrder))
                    .toList()) {
                if (Files.exists(dir.resolve("spec.pb")) && Files.exists(dir.resolve("build.pb"))) {
                    result.add(load(dir));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    private String submittedOrder(Path dir) {
        try {
            return Files.getLastModifiedTime(dir.resolve("spec.pb")).toString() + dir.getFileName();
        } catch (IOException e) {
            return dir.getFileName().toString();
        }
    }

    private StoredBuild load(Path dir) throws IOException {
        SubmitBuildRequest spec = SubmitBuildRequest.parseFrom(Files.readAllBytes(dir.resolve("spec.pb")));
        Build.Builder build = Build.parseFrom(Files.readAllBytes(dir.resolve("build.pb"))).toBuilder()
                .clearPackages();
        Map<String, PackageStatus> packages = new LinkedHashMap<>();
        Path journal = dir.resolve("journal");
        if (Files.exists(journal)) {
            try (InputStream in = Files.newInputStream(journal)) {
                PackageStatus status;
                while ((status = PackageStatus.parseDelimitedFrom(in)) != null) {
                    packages.put(status.getPackageId(), status);
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                // A crash in the middle of an append leaves a torn last record: everything before it counts.
                log.warn(
                        "{}: the journal ends in a torn record after {} packages; the rest is ignored",
                        journal,
                        packages.size());
            }
        }
        return new StoredBuild(spec, build.addAllPackages(packages.values()).build());
    }

    @Override
    public synchronized long nextEpoch() {
        Path file = root.resolveSibling("epoch");
        try {
            long epoch =
                    Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) + 1 : 1;
            writeAtomically(file, Long.toString(epoch).getBytes(StandardCharsets.UTF_8));
            return epoch;
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read or write " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void saveCheckpoint(Checkpoint summary) {
        Path file = checkpointFile(summary.getName());
        if (Files.exists(file)) {
            throw new IllegalStateException("checkpoint " + summary.getName() + " already exists");
        }
        try {
            writeAtomically(file, summary.toBuilder().clearEntries().build().toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    @Override
    public synchronized List<Checkpoint> listCheckpoints() {
        List<Checkpoint> result = new ArrayList<>();
        try (Stream<Path> files = Files.list(checkpoints)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(CHECKPOINT_SUFFIX))
                    .toList()) {
                result.add(Checkpoint.parseFrom(Files.readAllBytes(file)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the checkpoints in " + checkpoints, e);
        }
        result.sort(CHECKPOINT_ORDER);
        return result;
    }

    /** Oldest first: creation time, then name. */
    static final Comparator<Checkpoint> CHECKPOINT_ORDER = Comparator.comparingLong(
                    (Checkpoint c) -> c.getCreatedAt().getSeconds())
            .thenComparingInt(c -> c.getCreatedAt().getNanos())
            .thenComparing(Checkpoint::getName);

    @Override
    public synchronized Optional<Checkpoint> findCheckpoint(String name) {
        Path file = checkpointFile(name);
        try {
            return Files.exists(file) ? Optional.of(Checkpoint.parseFrom(Files.readAllBytes(file))) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    @Override
    public synchronized boolean deleteCheckpoint(String name) {
        try {
            return Files.deleteIfExists(checkpointFile(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete checkpoint " + name, e);
        }
    }

    /** Requests are kept as {@code spec.pb} files here, not in the artifact store. */
    @Override
    public Set<String> specBlobs() {
        return Set.of();
    }

    @Override
    public synchronized void historyChanged(PackageHistory changed) {
        if (changed.getRecordsCount() == 0) {
            return;
        }
        try {
            if (history == null) {
                history = new BufferedOutputStream(
                        Files.newOutputStream(historyFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                        1 << 14);
            }
            changed.getRecords(changed.getRecordsCount() - 1).writeDelimitedTo(history);
            history.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + historyFile, e);
        }
    }

    @Override
    public synchronized Map<String, PackageHistory> loadHistories() {
        Map<String, java.util.ArrayDeque<AttemptRecord>> kept = new LinkedHashMap<>();
        int read = 0;
        boolean torn = false;
        if (Files.exists(historyFile)) {
            try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(historyFile))) {
                AttemptRecord r;
                while ((r = AttemptRecord.parseDelimitedFrom(in)) != null) {
                    var records = kept.computeIfAbsent(r.getPackageId(), k -> new java.util.ArrayDeque<>());
                    records.addLast(r);
                    if (records.size() > HISTORY_KEPT) {
                        records.removeFirst();
                    }
                    read++;
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                log.warn("{}: ends in a torn record after {} records; the rest is dropped", historyFile, read);
                torn = true;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + historyFile, e);
            }
        }
        Map<String, PackageHistory> result = new LinkedHashMap<>();
        kept.forEach((pkg, records) -> result.put(
                pkg,
                PackageHistory.newBuilder()
                        .setPackageId(pkg)
                        .addAllRecords(records)
                        .build()));
        int keptCount =
                kept.values().stream().mapToInt(java.util.ArrayDeque::size).sum();
        if (torn || read > 2 * keptCount) {
            compactHistory(result); // a torn tail must go: records appended after it would be misread
        }
        return result;
    }

    /** Rewrites the history file with the kept records only (it is append-only otherwise). */
    private void compactHistory(Map<String, PackageHistory> histories) {
        try {
            if (history != null) {
                history.close();
                history = null;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (PackageHistory h : histories.values()) {
                for (AttemptRecord r : h.getRecordsList()) {
                    r.writeDelimitedTo(out);
                }
            }
            writeAtomically(historyFile, out.toByteArray());
        } catch (IOException e) {
            log.warn("cannot compact {}: {}; it stays as it is", historyFile, e.getMessage());
        }
    }

    @Override
    public synchronized void calibrated(WorkerCalibration calibration) {
        Map<String, WorkerCalibration> all = new LinkedHashMap<>();
        loadCalibrations().forEach(c -> all.put(c.getWorker(), c));
        all.put(calibration.getWorker(), calibration);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (WorkerCalibration c : all.values()) {
                c.writeDelimitedTo(out);
            }
            writeAtomically(calibrationsFile, out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + calibrationsFile, e);
        }
    }

    @Override
    public synchronized List<WorkerCalibration> loadCalibrations() {
        List<WorkerCalibration> result = new ArrayList<>();
        if (!Files.exists(calibrationsFile)) {
            return result;
        }
        try (InputStream in = Files.newInputStream(calibrationsFile)) {
            WorkerCalibration c;
            while ((c = WorkerCalibration.parseDelimitedFrom(in)) != null) {
                result.add(c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + calibrationsFile, e);
        }
        return result;
    }

    private Path checkpointFile(String name) {
        if (!CheckpointName.isValid(name)) {
            throw new IllegalArgumentException("not a checkpoint name: '" + name + "'");
        }
        return checkpoints.resolve(name + CHECKPOINT_SUFFIX);
    }

    @Override
    public synchronized void close() {
        for (OutputStream journal : journals.values()) {
            try {
                journal.close();
            } catch (IOException e) {
                // closing after a flush; nothing is lost
            }
        }
        journals.clear();
        if (history != null) {
            try {
                history.close();
            } catch (IOException e) {
                // closing after a flush; nothing is lost
            }
            history = null;
        }
    }

    private OutputStream openJournal(String buildId) {
        try {
            return new BufferedOutputStream(
                    Files.newOutputStream(
                            root.resolve(buildId).resolve("journal"),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND),
                    1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeAtomically(Path file, byte[] data) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temp, data);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
