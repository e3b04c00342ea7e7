package dev.lfsfarm.coordinator.metrics;

import dev.lfsfarm.coordinator.state.BuildStateStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Times every write to a {@link BuildStateStore} (the files, or the fenced ZooKeeper registry) as
 * {@code farm_registry_write_seconds{operation}}, one timer per store method. A dynamic proxy
 * rather than a hand-written decorator: the store interface grows with new records (history,
 * calibrations, checkpoints), and each new write is timed without touching this class. Reads
 * (loading, listing, finding) and {@code close} pass straight through.
 */
public final class TimedBuildStateStore {
    private static final Set<String> UNTIMED = Set.of("close", "specBlobs", "toString", "hashCode", "equals");

    private TimedBuildStateStore() {}

    public static BuildStateStore wrap(BuildStateStore store, MeterRegistry registry) {
        Map<Method, Timer> timers = new ConcurrentHashMap<>();
        return (BuildStateStore) Proxy.newProxyInstance(
                BuildStateStore.class.getClassLoader(),
                new Class<?>[] {BuildStateStore.class},
                (proxy, method, args) -> {
                    if (!isWrite(method)) {
                        return invoke(store, method, args);
                    }
                    Timer timer = timers.computeIfAbsent(method, m -> timer(registry, m));
                    long start = System.nanoTime();
                    try {
                        return invoke(store, method, args);
                    } finally {
                        timer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
                    }
                });
    }

    static boolean isWrite(Method method) {
        String name = method.getName();
        return !UNTIMED.contains(name)
                && !name.startsWith("load")
                && !name.startsWith("list")
                && !name.startsWith("find");
    }

    private static Object invoke(BuildStateStore store, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(store, args);
        } catch (InvocationTargetException e) {
            throw e.getCause(); // FencedException and friends must reach the dispatcher as they are
        }
    }

    private static Timer timer(MeterRegistry registry, Method method) {
        return Timer.builder("farm.registry.write")
                .tag("operation", snakeCase(method.getName()))
                .description("Writes to the build state store: files, or the ZooKeeper registry")
                .serviceLevelObjectives(
                        Duration.ofMillis(1),
                        Duration.ofMillis(5),
                        Duration.ofMillis(10),
                        Duration.ofMillis(25),
                        Duration.ofMillis(50),
                        Duration.ofMillis(100),
                        Duration.ofMillis(250),
                        Duration.ofMillis(500),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(5))
                .register(registry);
    }

    static String snakeCase(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
