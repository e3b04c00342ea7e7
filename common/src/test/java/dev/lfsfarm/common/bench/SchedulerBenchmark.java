package dev.lfsfarm.common.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.lfsfarm.common.graph.DependencyResolver;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.Dependency;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.recipe.GraphFileLoader;
import dev.lfsfarm.common.recipe.Profile;
import dev.lfsfarm.common.recipe.Recipe;
import dev.lfsfarm.common.report.Seconds;
import dev.lfsfarm.common.schedule.CriticalPath;
import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.schedule.Policy;
import dev.lfsfarm.common.simulate.SimulationConfig;
import dev.lfsfarm.common.simulate.SimulationResult;
import dev.lfsfarm.common.simulate.Simulator;
import dev.lfsfarm.common.testing.SyntheticGraphs;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Times the scheduler core on large synthetic graphs (issue 2: 100,000 packages must plan in under
 * 2 s and simulate in under 10 s with a 512 MB heap). Not a test: it asserts nothing, it prints.
 * Run it through the {@code bench} profile, which fixes the heap:
 *
 * <pre>mvn -B -q -pl common -Pbench test-compile exec:exec</pre>
 *
 * <p>Arguments (all optional): package counts (default {@code 10000 100000}), then
 * {@code --reps=5}, {@code --warmup=2}, {@code --seed=...}, {@code --shape=random|wide|chain},
 * {@code --workers=8}, {@code --cores=4}, {@code --write-graph=DIR} (keep each book's graph file
 * there, for timing {@code farm plan --graph} end to end; by default it goes to a temporary folder
 * and is deleted). Pass them with {@code -Dbench.args="..."}.
 *
 * <p>Each measurement runs {@code warmup} times untimed, then {@code reps} times timed; the
 * median and the minimum are reported. Measurements:
 * <ul>
 *   <li>{@code resolve}: {@code new DependencyResolver(book, DEFAULT).resolve(all)}.</li>
 *   <li>{@code critical-path}: {@code new CriticalPath(graph, model, cores)} on a resolved graph.</li>
 *   <li>{@code plan}: resolve + critical path, the ordering work a plan needs before scheduling.</li>
 *   <li>{@code simulate}: {@code Simulator.run} with the critical-path policy on a resolved graph.</li>
 *   <li>{@code farm-plan}: resolve + simulate, which is what {@code farm plan} computes before
 *       printing (it runs the simulator to get its build order).</li>
 *   <li>{@code simulate-fifo}: the same simulation with the FIFO policy, for the makespan comparison.</li>
 *   <li>{@code load}: {@code GraphFileLoader.load} of the book written as a graph file (JSON), as
 *       {@code farm plan --graph FILE} starts; measured after the generated book is dropped.</li>
 *   <li>{@code load-farm-plan}: load + resolve + simulate: all that {@code farm plan --graph FILE}
 *       computes, in a warm JVM (the CLI also pays JVM start-up and JIT warm-up).</li>
 * </ul>
 *
 * <p>Memory, per measurement (timed runs only), from the management beans:
 * <ul>
 *   <li>{@code peak_heap_mb}: the most heap in use at any moment: the largest occupancy just before
 *       a collection (from GC notifications) or at the end, whichever is larger. Never above the
 *       heap maximum.</li>
 *   <li>{@code after_gc_mb}: the largest occupancy just after a collection. A young collection
 *       leaves old-generation garbage in place, so this is above the live data; it shows how
 *       close to the maximum the collector is working.</li>
 *   <li>{@code pool_peak_mb}: the sum of the heap pools' peak usage (reset before the
 *       measurement). The pools peak at different moments, so the sum can exceed the heap
 *       maximum: an upper bound only.</li>
 * </ul>
 * All of them include what the measurement keeps between runs (the book, the resolved graph);
 * the retained sizes of those are printed separately, measured after {@code System.gc()}.
 */
public final class SchedulerBenchmark {
    private static final PrintStream OUT = System.out;

    /** Results are stored here so that the JIT cannot drop the work. */
    static volatile Object sink;

    private SchedulerBenchmark() {}

    /** One timed operation. */
    @FunctionalInterface
    interface Work {
        Object run() throws Exception;
    }

    /** The timings and heap figures of one measurement. */
    record Measurement(
            String name,
            int n,
            long[] nanos,
            long peakHeapBytes,
            long maxAfterGcBytes,
            long poolPeakBytes,
            long gcCount,
            long gcMillis) {
        long medianNanos() {
            long[] sorted = nanos.clone();
            Arrays.sort(sorted);
            int m = sorted.length / 2;
            return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
        }

        long minNanos() {
            return Arrays.stream(nanos).min().orElse(0);
        }
    }

    /** Parsed command line. */
    record Options(
            List<Integer> sizes,
            int reps,
            int warmup,
            long seed,
            String shape,
            int workers,
            int cores,
            Path writeGraph) {
        static Options parse(String[] args) {
            List<Integer> sizes = new ArrayList<>();
            int reps = 5;
            int warmup = 2;
            long seed = SyntheticGraphs.DEFAULT_SEED;
            String shape = "random";
            int workers = 8;
            int cores = 4;
            Path writeGraph = null;
            for (String arg : args) {
                if (arg.isBlank()) {
                    continue;
                }
                String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : "";
                if (arg.startsWith("--reps=")) {
                    reps = Integer.parseInt(value);
                } else if (arg.startsWith("--warmup=")) {
                    warmup = Integer.parseInt(value);
                } else if (arg.startsWith("--seed=")) {
                    seed = Long.parseLong(value);
                } else if (arg.startsWith("--shape=")) {
                    shape = value;
                } else if (arg.startsWith("--workers=")) {
                    workers = Integer.parseInt(value);
                } else if (arg.startsWith("--cores=")) {
                    cores = Integer.parseInt(value);
                } else if (arg.startsWith("--write-graph=")) {
                    writeGraph = Path.of(value);
                } else if (arg.startsWith("--")) {
                    throw new IllegalArgumentException("unknown option " + arg + " (known: --reps= --warmup= --seed= "
                            + "--shape=random|wide|chain --workers= --cores= --write-graph=DIR)");
                } else {
                    sizes.add(Integer.parseInt(arg.replace("_", "")));
                }
            }
            if (sizes.isEmpty()) {
                sizes = List.of(10_000, 100_000);
            }
            if (reps < 1 || warmup < 0) {
                throw new IllegalArgumentException("--reps must be at least 1 and --warmup at least 0");
            }
            return new Options(List.copyOf(sizes), reps, warmup, seed, shape, workers, cores, writeGraph);
        }

        Book book(int n) {
            return switch (shape) {
                case "random" -> SyntheticGraphs.random(n, seed);
                case "wide" -> SyntheticGraphs.wide(n, seed);
                case "chain" -> SyntheticGraphs.chain(n);
                default -> throw new IllegalArgumentException("unknown shape " + shape + " (random, wide or chain)");
            };
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        List<Measurement> all = run(options, OUT);
        OUT.println();
        printTable(all, OUT);
        OUT.println();
        for (Measurement m : all) {
            OUT.printf(
                    Locale.ROOT,
                    "%s n=%d median_ms=%.1f min_ms=%.1f peak_heap_mb=%.0f after_gc_mb=%s "
                            + "pool_peak_mb=%.0f gcs=%d%n",
                    m.name(),
                    m.n(),
                    ms(m.medianNanos()),
                    ms(m.minNanos()),
                    mb(m.peakHeapBytes()),
                    afterGc(m),
                    mb(m.poolPeakBytes()),
                    m.gcCount());
        }
    }

    /** Runs every measurement for every size, printing progress and makespans; returns the measurements. */
    static List<Measurement> run(Options options, PrintStream out) throws Exception {
        HeapWatch heap = new HeapWatch();
        Runtime runtime = Runtime.getRuntime();
        out.printf(
                Locale.ROOT,
                "java %s (%s), %d processors, heap max %.0f MB, GC: %s%n",
                System.getProperty("java.version"),
                System.getProperty("java.vm.name"),
                runtime.availableProcessors(),
                mb(runtime.maxMemory()),
                heap.collectorNames());
        out.printf(
                Locale.ROOT,
                "shape=%s seed=%d reps=%d warmup=%d farm=%d workers x %d cores, sbu=1 s%n",
                options.shape(),
                options.seed(),
                options.reps(),
                options.warmup(),
                options.workers(),
                options.cores());

        DurationModel model = DurationModel.ofSbuSeconds(1);
        SimulationConfig criticalPath =
                SimulationConfig.of(options.workers(), options.cores(), Policy.CRITICAL_PATH, model);
        SimulationConfig fifo = SimulationConfig.of(options.workers(), options.cores(), Policy.FIFO, model);

        List<Measurement> all = new ArrayList<>();
        Path tempDir = options.writeGraph() == null ? Files.createTempDirectory("farm-bench") : null;
        try {
            for (int n : options.sizes()) {
                Path file = (tempDir != null ? tempDir : options.writeGraph())
                        .resolve("synthetic-" + options.shape() + "-" + n + ".json");
                runSize(n, options, model, criticalPath, fifo, heap, out, all, file);
                // The generated book is unreachable now: the loaded one replaces it, as in the CLI.
                runLoad(n, file, options, criticalPath, heap, out, all);
                if (tempDir != null) {
                    Files.delete(file);
                }
            }
        } finally {
            if (tempDir != null) {
                Files.deleteIfExists(tempDir);
            }
        }
        return all;
    }

    /**
     * Graph-file loading, as {@code farm plan --graph FILE} starts: {@code load} alone, and
     * {@code load-farm-plan} = load + resolve + simulate, everything {@code farm plan} computes.
     */
    private static void runLoad(
            int n,
            Path file,
            Options options,
            SimulationConfig criticalPath,
            HeapWatch heap,
            PrintStream out,
            List<Measurement> all)
            throws Exception {
        out.printf(Locale.ROOT, "  graph file %s: %.1f MB%n", file.getFileName(), mb(Files.size(file)));
        Work[] works = {
            () -> GraphFileLoader.load(file, 1.0),
            () -> Simulator.run(resolve(GraphFileLoader.load(file, 1.0)), criticalPath),
        };
        String[] names = {"load", "load-farm-plan"};
        for (int w = 0; w < works.length; w++) {
            report(measure(names[w], n, works[w], options, heap), out, all);
        }
    }

    private static void report(Measurement m, PrintStream out, List<Measurement> all) {
        out.printf(
                Locale.ROOT,
                "  %-14s median %8.1f ms  min %8.1f ms  runs %s ms  gc %d (%d ms)%n",
                m.name(),
                ms(m.medianNanos()),
                ms(m.minNanos()),
                runsMs(m.nanos()),
                m.gcCount(),
                m.gcMillis());
        all.add(m);
    }

    /** One size: in its own method so that nothing of it is reachable when the next size starts. */
    private static void runSize(
            int n,
            Options options,
            DurationModel model,
            SimulationConfig criticalPath,
            SimulationConfig fifo,
            HeapWatch heap,
            PrintStream out,
            List<Measurement> all,
            Path file)
            throws Exception {
        out.println();
        long baseline = usedAfterFullGc();
        heap.reset();
        long t0 = System.nanoTime();
        Book book = options.book(n);
        long generateNanos = System.nanoTime() - t0;
        long withBook = usedAfterFullGc();
        ResolvedGraph graph = resolve(book);
        long withGraph = usedAfterFullGc();
        out.printf(
                Locale.ROOT,
                "n=%d: generated in %.0f ms, %d packages, %d ordering edges (%.2f per package)%n",
                n,
                ms(generateNanos),
                graph.size(),
                graph.edgeCount(),
                (double) graph.edgeCount() / graph.size());
        out.printf(
                Locale.ROOT,
                "  retained (heap after System.gc()): book %.0f MB, resolved graph %.0f MB%n",
                mb(withBook - baseline),
                mb(withGraph - withBook));
        writeGraphFile(book, file);
        if (options.writeGraph() != null) {
            out.println("  wrote " + file);
        }

        Work[] works = {
            () -> resolve(book),
            () -> new CriticalPath(graph, model, options.cores()),
            () -> new CriticalPath(resolve(book), model, options.cores()),
            () -> Simulator.run(graph, criticalPath),
            () -> Simulator.run(resolve(book), criticalPath),
            () -> Simulator.run(graph, fifo),
        };
        String[] names = {"resolve", "critical-path", "plan", "simulate", "farm-plan", "simulate-fifo"};
        for (int w = 0; w < works.length; w++) {
            report(measure(names[w], n, works[w], options, heap), out, all);
        }

        makespans(graph, criticalPath, fifo, out);
        // A farm eight times larger, where the critical path rather than the total work binds.
        SimulationConfig big = SimulationConfig.of(
                criticalPath.workers() * 8, criticalPath.coresPerWorker(), Policy.CRITICAL_PATH, model);
        makespans(graph, big, SimulationConfig.of(big.workers(), big.coresPerWorker(), Policy.FIFO, model), out);
        sink = null;
    }

    /** Simulates with both policies (untimed) and prints makespans against the lower bound. */
    private static void makespans(
            ResolvedGraph graph, SimulationConfig criticalPath, SimulationConfig fifo, PrintStream out)
            throws Exception {
        SimulationResult cp = Simulator.run(graph, criticalPath);
        SimulationResult ff = Simulator.run(graph, fifo);
        out.printf(
                Locale.ROOT,
                "  makespan on %d x %d cores: critical-path %s, fifo %s, lower bound %s "
                        + "(critical path %s over %d packages); fifo/critical-path = %.3f, critical-path/bound = %.3f%n",
                criticalPath.workers(),
                criticalPath.coresPerWorker(),
                Seconds.human(cp.makespanMicros()),
                Seconds.human(ff.makespanMicros()),
                Seconds.human(cp.lowerBoundMicros()),
                Seconds.human(cp.criticalPathMicros()),
                cp.criticalPath().size(),
                (double) ff.makespanMicros() / cp.makespanMicros(),
                (double) cp.makespanMicros() / cp.lowerBoundMicros());
        out.printf(
                Locale.ROOT,
                "  makespan_s n=%d workers=%d cores=%d critical_path=%s fifo=%s lower_bound=%s "
                        + "critical_path_length=%s utilisation_cp=%.3f utilisation_fifo=%.3f%n",
                graph.size(),
                criticalPath.workers(),
                criticalPath.coresPerWorker(),
                Seconds.of(cp.makespanMicros()),
                Seconds.of(ff.makespanMicros()),
                Seconds.of(cp.lowerBoundMicros()),
                Seconds.of(cp.criticalPathMicros()),
                cp.utilisation(),
                ff.utilisation());
    }

    /**
     * Heap in use after explicit full collections: what the caller holds, plus the JVM's own.
     * Good enough for retained sizes (G1 and Serial run a full collection on System.gc()); not
     * used for the per-phase figures.
     */
    private static long usedAfterFullGc() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }

    /**
     * Writes the book as a graph file ({@code docs/reference/graph-format.md}), so the CLI can be
     * timed end to end on it: {@code farm plan --graph FILE}.
     */
    static void writeGraphFile(Book book, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("{\"packages\": [\n");
            List<Recipe> recipes = book.recipes();
            for (int i = 0; i < recipes.size(); i++) {
                Recipe r = recipes.get(i);
                w.write("{\"id\": \"" + r.id() + "\", \"version\": \"" + r.version() + "\", \"sbu\": " + r.sbu()
                        + ", \"parallel_jobs\": " + r.parallelJobs() + ", \"required\": [");
                List<Dependency> required = r.depends(DependencyClass.REQUIRED);
                for (int k = 0; k < required.size(); k++) {
                    w.write((k == 0 ? "\"" : ", \"") + required.get(k).target() + "\"");
                }
                w.write(i + 1 < recipes.size() ? "]},\n" : "]}\n");
            }
            w.write("]}\n");
        }
    }

    private static ResolvedGraph resolve(Book book) throws Exception {
        return new DependencyResolver(book, Profile.DEFAULT).resolve(List.of());
    }

    private static Measurement measure(String name, int n, Work work, Options options, HeapWatch heap)
            throws Exception {
        // Each result goes to the static sink and is dropped before the next run starts, so that no
        // run is charged for the previous one's heap (a local would keep it reachable).
        for (int i = 0; i < options.warmup(); i++) {
            sink = work.run();
            sink = null;
        }
        heap.reset();
        long gcCount = heap.gcCount();
        long gcMillis = heap.gcMillis();
        long[] nanos = new long[options.reps()];
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            sink = work.run();
            nanos[i] = System.nanoTime() - start;
            sink = null;
        }
        return new Measurement(
                name,
                n,
                nanos,
                heap.peakHeapBytes(),
                heap.maxAfterGcBytes(),
                heap.poolPeakBytes(),
                heap.gcCount() - gcCount,
                heap.gcMillis() - gcMillis);
    }

    static void printTable(List<Measurement> all, PrintStream out) {
        out.printf(
                Locale.ROOT,
                "%-14s %8s %11s %11s %9s %12s %13s %6s%n",
                "measurement",
                "n",
                "median ms",
                "min ms",
                "peak MB",
                "after-GC MB",
                "pool-peak MB",
                "GCs");
        for (Measurement m : all) {
            out.printf(
                    Locale.ROOT,
                    "%-14s %8d %11.1f %11.1f %9.0f %12s %13.0f %6d%n",
                    m.name(),
                    m.n(),
                    ms(m.medianNanos()),
                    ms(m.minNanos()),
                    mb(m.peakHeapBytes()),
                    afterGc(m),
                    mb(m.poolPeakBytes()),
                    m.gcCount());
        }
    }

    /** The after-GC figure, or "-" when no collection ran during the measurement. */
    private static String afterGc(Measurement m) {
        return m.gcCount() == 0 ? "-" : String.format(Locale.ROOT, "%.0f", mb(m.maxAfterGcBytes()));
    }

    private static String runsMs(long[] nanos) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < nanos.length; i++) {
            s.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.0f", ms(nanos[i])));
        }
        return s.append(']').toString();
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    /**
     * Heap figures from the management beans: through GC notifications, the largest heap occupancy
     * seen just before and just after a collection; and the pools' peaks (reset per measurement).
     */
    static final class HeapWatch {
        private final List<MemoryPoolMXBean> heapPools = new ArrayList<>();
        private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        private final AtomicLong maxAfterGc = new AtomicLong();
        private final AtomicLong maxBeforeGc = new AtomicLong();

        HeapWatch() {
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP && pool.isValid()) {
                    heapPools.add(pool);
                }
            }
            for (GarbageCollectorMXBean gc : collectors) {
                if (gc instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener(
                            (notification, handback) -> {
                                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                                        notification.getType())) {
                                    return;
                                }
                                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                                        (CompositeData) notification.getUserData());
                                maxBeforeGc.accumulateAndGet(
                                        heapUsed(info.getGcInfo().getMemoryUsageBeforeGc()), Math::max);
                                maxAfterGc.accumulateAndGet(
                                        heapUsed(info.getGcInfo().getMemoryUsageAfterGc()), Math::max);
                            },
                            null,
                            null);
                }
            }
        }

        String collectorNames() {
            return String.join(
                    " + ",
                    collectors.stream().map(GarbageCollectorMXBean::getName).toList());
        }

        void reset() {
            awaitNotifications();
            heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
            maxAfterGc.set(0);
            maxBeforeGc.set(0);
        }

        /** The most heap in use at once: just before the fullest collection, or now. */
        long peakHeapBytes() {
            awaitNotifications();
            long now = 0;
            for (MemoryPoolMXBean pool : heapPools) {
                now += pool.getUsage().getUsed();
            }
            return Math.max(now, maxBeforeGc.get());
        }

        long poolPeakBytes() {
            long sum = 0;
            for (MemoryPoolMXBean pool : heapPools) {
                sum += pool.getPeakUsage().getUsed();
            }
            return sum;
        }

        long maxAfterGcBytes() {
            awaitNotifications();
            return maxAfterGc.get();
        }

        long gcCount() {
            return collectors.stream()
                    .mapToLong(GarbageCollectorMXBean::getCollectionCount)
                    .sum();
        }

        long gcMillis() {
            return collectors.stream()
                    .mapToLong(GarbageCollectorMXBean::getCollectionTime)
                    .sum();
        }

        private long heapUsed(Map<String, MemoryUsage> byPool) {
            long used = 0;
            for (Map.Entry<String, MemoryUsage> e : byPool.entrySet()) {
                if (isHeapPool(e.getKey())) {
                    used += e.getValue().getUsed();
                }
            }
            return used;
        }

        private boolean isHeapPool(String name) {
            for (MemoryPoolMXBean pool : heapPools) {
                if (pool.getName().equals(name)) {
                    return true;
                }
            }
            return false;
        }

        /** GC notifications arrive on a service thread, a little after the collection. */
        private static void awaitNotifications() {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
