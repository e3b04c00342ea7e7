package dev.lfsfarm.common.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.lfsfarm.common.graph.DependencyResolver;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.Profile;
import dev.lfsfarm.common.report.Seconds;
import dev.lfsfarm.common.schedule.CriticalPath;
import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.schedule.Policy;
import dev.lfsfarm.common.simulate.SimulationConfig;
import dev.lfsfarm.common.simulate.SimulationResult;
import dev.lfsfarm.common.simulate.Simulator;
import dev.lfsfarm.common.testing.SyntheticGraphs;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
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
 * {@code --workers=8}, {@code --cores=4}. Pass them with {@code -Dbench.args="..."}.
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
 * </ul>
 *
 * <p>Memory, per measurement: {@code peak_mb} is the sum of the heap pools' peak usage (reset before
 * the measurement), an upper bound on the heap the JVM actually used, which with a generational
 * collector mostly reflects how big it let the young generation grow; {@code after_gc_mb} is the
 * largest heap occupancy right after any collection during the measurement, close to the live data
 * (book + graph + working state). Both include the book and the resolved graph kept between runs.
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
    record Measurement(String name, int n, long[] nanos, long peakHeapBytes, long maxAfterGcBytes, long gcCount,
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
    record Options(List<Integer> sizes, int reps, int warmup, long seed, String shape, int workers, int cores) {
        static Options parse(String[] args) {
            List<Integer> sizes = new ArrayList<>();
            int reps = 5;
            int warmup = 2;
            long seed = SyntheticGraphs.DEFAULT_SEED;
            String shape = "random";
            int workers = 8;
            int cores = 4;
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
                } else if (arg.startsWith("--")) {
                    throw new IllegalArgumentException("unknown option " + arg
                            + " (known: --reps= --warmup= --seed= --shape=random|wide|chain --workers= --cores=)");
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
            return new Options(List.copyOf(sizes), reps, warmup, seed, shape, workers, cores);
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
            OUT.printf(Locale.ROOT, "%s n=%d median_ms=%.1f min_ms=%.1f peak_heap_mb=%.0f after_gc_mb=%s%n",
                    m.name(), m.n(), ms(m.medianNanos()), ms(m.minNanos()), mb(m.peakHeapBytes()), afterGc(m));
        }
    }

    /** Runs every measurement for every size, printing progress and makespans; returns the measurements. */
    static List<Measurement> run(Options options, PrintStream out) throws Exception {
        HeapWatch heap = new HeapWatch();
        Runtime runtime = Runtime.getRuntime();
        out.printf(Locale.ROOT, "java %s (%s), %d processors, heap max %.0f MB, GC: %s%n",
                System.getProperty("java.version"), System.getProperty("java.vm.name"), runtime.availableProcessors(),
                mb(runtime.maxMemory()), heap.collectorNames());
        out.printf(Locale.ROOT, "shape=%s seed=%d reps=%d warmup=%d farm=%d workers x %d cores, sbu=1 s%n",
                options.shape(), options.seed(), options.reps(), options.warmup(), options.workers(), options.cores());

        DurationModel model = DurationModel.ofSbuSeconds(1);
        SimulationConfig criticalPath = SimulationConfig.of(options.workers(), options.cores(), Policy.CRITICAL_PATH, model);
        SimulationConfig fifo = SimulationConfig.of(options.workers(), options.cores(), Policy.FIFO, model);

        List<Measurement> all = new ArrayList<>();
        for (int n : options.sizes()) {
            out.println();
            heap.reset();
            long t0 = System.nanoTime();
            Book book = options.book(n);
            long generateNanos = System.nanoTime() - t0;
            ResolvedGraph graph = resolve(book);
            out.printf(Locale.ROOT, "n=%d: generated in %.0f ms, %d packages, %d ordering edges (%.2f per package)%n",
                    n, ms(generateNanos), graph.size(), graph.edgeCount(), (double) graph.edgeCount() / graph.size());

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
                Measurement m = measure(names[w], n, works[w], options, heap);
                out.printf(Locale.ROOT, "  %-14s median %8.1f ms  min %8.1f ms  runs %s ms  gc %d (%d ms)%n", m.name(),
                        ms(m.medianNanos()), ms(m.minNanos()), runsMs(m.nanos()), m.gcCount(), m.gcMillis());
                all.add(m);
            }

            SimulationResult cp = Simulator.run(graph, criticalPath);
            SimulationResult ff = Simulator.run(graph, fifo);
            out.printf(Locale.ROOT, "  makespan: critical-path %s (%s), fifo %s (%s), lower bound %s (%s), "
                            + "critical path %s over %d packages; fifo/critical-path = %.3f, critical-path/bound = %.3f%n",
                    Seconds.of(cp.makespanMicros()), Seconds.human(cp.makespanMicros()),
                    Seconds.of(ff.makespanMicros()), Seconds.human(ff.makespanMicros()),
                    Seconds.of(cp.lowerBoundMicros()), Seconds.human(cp.lowerBoundMicros()),
                    Seconds.human(cp.criticalPathMicros()), cp.criticalPath().size(),
                    (double) ff.makespanMicros() / cp.makespanMicros(),
                    (double) cp.makespanMicros() / cp.lowerBoundMicros());
            out.printf(Locale.ROOT, "  makespan_s n=%d critical_path=%s fifo=%s lower_bound=%s utilisation_cp=%.3f "
                            + "utilisation_fifo=%.3f%n",
                    n, Seconds.of(cp.makespanMicros()), Seconds.of(ff.makespanMicros()),
                    Seconds.of(cp.lowerBoundMicros()), cp.utilisation(), ff.utilisation());
            sink = null;
        }
        return all;
    }

    private static ResolvedGraph resolve(Book book) throws Exception {
        return new DependencyResolver(book, Profile.DEFAULT).resolve(List.of());
    }

    private static Measurement measure(String name, int n, Work work, Options options, HeapWatch heap)
            throws Exception {
        for (int i = 0; i < options.warmup(); i++) {
            sink = work.run();
        }
        sink = null;
        heap.reset();
        long gcCount = heap.gcCount();
        long gcMillis = heap.gcMillis();
        long[] nanos = new long[options.reps()];
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            Object result = work.run();
            nanos[i] = System.nanoTime() - start;
            sink = result;
            sink = null;
        }
        return new Measurement(name, n, nanos, heap.peakHeapBytes(), heap.maxAfterGcBytes(),
                heap.gcCount() - gcCount, heap.gcMillis() - gcMillis);
    }

    static void printTable(List<Measurement> all, PrintStream out) {
        out.printf(Locale.ROOT, "%-14s %8s %11s %11s %9s %12s %6s%n",
                "measurement", "n", "median ms", "min ms", "peak MB", "after-GC MB", "GCs");
        for (Measurement m : all) {
            out.printf(Locale.ROOT, "%-14s %8d %11.1f %11.1f %9.0f %12s %6d%n", m.name(), m.n(),
                    ms(m.medianNanos()), ms(m.minNanos()), mb(m.peakHeapBytes()), afterGc(m), m.gcCount());
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
     * Heap figures from the management beans: pool peaks (reset per measurement) and, through GC
     * notifications, the largest heap occupancy seen right after a collection.
     */
    static final class HeapWatch {
        private final List<MemoryPoolMXBean> heapPools = new ArrayList<>();
        private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        private final AtomicLong maxAfterGc = new AtomicLong();

        HeapWatch() {
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP && pool.isValid()) {
                    heapPools.add(pool);
                }
            }
            for (GarbageCollectorMXBean gc : collectors) {
                if (gc instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener((notification, handback) -> {
                        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
                                .equals(notification.getType())) {
                            return;
                        }
                        GarbageCollectionNotificationInfo info =
                                GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                        long used = 0;
                        for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                            if (isHeapPool(e.getKey())) {
                                used += e.getValue().getUsed();
                            }
                        }
                        maxAfterGc.accumulateAndGet(used, Math::max);
                    }, null, null);
                }
            }
        }

        String collectorNames() {
            return String.join(" + ", collectors.stream().map(GarbageCollectorMXBean::getName).toList());
        }

        void reset() {
            awaitNotifications();
            heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
            maxAfterGc.set(0);
        }

        long peakHeapBytes() {
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
            return collectors.stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
        }

        long gcMillis() {
            return collectors.stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
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
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
