package dev.lfsfarm.worker.execute;

import dev.lfsfarm.common.time.Ticker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this worker runs phases, decided once at start: the build user, whether cgroups measure and
 * kill the phases, the timings of kills and samples, and the clocks a phase's start and wall time
 * are read from. Immutable; share one instance among all attempts.
 */
public final class ExecutionSettings {

    /** Time between SIGTERM and SIGKILL when a phase is cancelled: 2 s. */
    public static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(2);
    /** Interval of the /proc samples of the fallback measurement: 50 ms. */
    public static final Duration DEFAULT_SAMPLE_INTERVAL = Duration.ofMillis(50);

    private static final Logger log = LoggerFactory.getLogger(ExecutionSettings.class);
    private static final List<String> SYSTEM_DIRS = List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin");

    private final Optional<RunAs> runAs;
    private final Optional<CgroupV2> cgroups;
    private final Duration killGrace;
    private final Duration sampleInterval;
    private final Path bash;
    private final Optional<Path> setsid;
    private final Clock clock;
    private final Ticker ticker;

    private ExecutionSettings(
            Builder b, Optional<RunAs> runAs, Optional<CgroupV2> cgroups, Path bash, Optional<Path> setsid) {
        this.runAs = runAs;
        this.cgroups = cgroups;
        this.killGrace = b.killGrace;
        this.sampleInterval = b.sampleInterval;
        this.bash = bash;
        this.setsid = setsid;
        this.clock = b.clock;
        this.ticker = b.ticker;
    }

    /** Settings with every default: default build-user policy, cgroups when usable. */
    public static ExecutionSettings detect() throws IOException {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The user phases run as; empty = the worker's own user. */
    public Optional<RunAs> runAs() {
        return runAs;
    }

    /** The cgroup v2 parent used for phases; empty = /proc fallback. */
    public Optional<CgroupV2> cgroups() {
        return cgroups;
    }

    public Duration killGrace() {
        return killGrace;
    }

    public Duration sampleInterval() {
        return sampleInterval;
    }

    /** The bash that runs phases, by absolute path (a bash in the sysroot's PATH is not used). */
    public Path bash() {
        return bash;
    }

    /** {@code setsid}, which puts each phase in a session of its own so the tree can be found. */
    public Optional<Path> setsid() {
        return setsid;
    }

    /** Wall time: when each phase started. */
    public Clock clock() {
        return clock;
    }

    /**
     * Monotonic time a phase's wall time is measured by (CPU and memory come from the kernel:
     * cgroup counters, the shell's {@code times}, /proc).
     */
    public Ticker ticker() {
        return ticker;
    }

    /** The measurement method phases get (unless creating a phase's cgroup fails). */
    public MeasurementMethod method() {
        return cgroups.map(c -> c.hasMemoryPeak() ? MeasurementMethod.CGROUP : MeasurementMethod.CGROUP_CPU_SAMPLED_RSS)
                .orElse(MeasurementMethod.PROC_SAMPLING);
    }

    /** Finds a system tool by absolute path; tools in a sysroot never stand in for it. */
    static Optional<Path> systemTool(String name) {
        for (String dir : SYSTEM_DIRS) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "phases run as " + runAs.map(RunAs::name).orElse("the worker's user") + ", measured by " + method()
                + ", kill grace " + killGrace.toMillis() + " ms";
    }

    /** Builder; {@link #build()} probes the host. */
    public static final class Builder {
        private enum UserPolicy {
            DEFAULT,
            SELF,
            NAMED
        }

        private UserPolicy userPolicy = UserPolicy.DEFAULT;
        private String userName;
        private boolean useCgroups = true;
        private String cgroupParent;
        private Duration killGrace = DEFAULT_KILL_GRACE;
        private Duration sampleInterval = DEFAULT_SAMPLE_INTERVAL;
        private Clock clock = Clock.systemUTC();
        private Ticker ticker = Ticker.SYSTEM;

        private Builder() {}

        /**
         * Runs phases as this user (the worker must be root). Null or empty restores the default:
         * {@value RunAs#DEFAULT_USER} when the worker is root and that user exists.
         */
        public Builder runAsUser(String name) {
            if (name == null || name.isBlank()) {
                userPolicy = UserPolicy.DEFAULT;
                userName = null;
            } else {
                userPolicy = UserPolicy.NAMED;
                userName = name;
            }
            return this;
        }

        /** Runs phases as the worker's own user, even when that is root. */
        public Builder runAsWorkerUser() {
            userPolicy = UserPolicy.SELF;
            userName = null;
            return this;
        }

        /** Whether to use cgroup v2 when it is usable (default true); false forces the /proc fallback. */
        public Builder cgroups(boolean use) {
            this.useCgroups = use;
            return this;
        }

        /** The cgroup parent of the phase cgroups; see {@link CgroupV2#detect(String)}. */
        public Builder cgroupParent(String parent) {
            this.cgroupParent = parent;
            return this;
        }

        /** Time between SIGTERM and SIGKILL (default 2 s; 0..3 s keeps a cancel within 5 s). */
        public Builder killGrace(Duration grace) {
            if (grace.isNegative()) {
                throw new IllegalArgumentException("kill grace must be >= 0");
            }
            this.killGrace = grace;
            return this;
        }

        /** Interval of /proc samples (default 50 ms). */
        public Builder sampleInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("sample interval must be > 0");
            }
            this.sampleInterval = interval;
            return this;
        }

        /**
         * The clocks phases are timed by (default {@link Clock#systemUTC()} and {@link Ticker#SYSTEM};
         * tests give a {@link dev.lfsfarm.common.time.ManualClock} for both).
         */
        public Builder time(Clock clock, Ticker ticker) {
            this.clock = Objects.requireNonNull(clock, "clock");
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Probes the host: the build user, cgroup v2, bash and setsid.
         *
         * @throws IOException when a configured build user does not exist or cannot be used, or there
         *     is no bash
         */
        public ExecutionSettings build() throws IOException {
            Optional<RunAs> runAs;
            switch (userPolicy) {
                case SELF -> runAs = Optional.empty();
                case NAMED -> {
                    if (!RunAs.workerIsRoot()) {
                        throw new IOException("build user '" + userName
                                + "' is configured, but the worker does not run " + "as root and cannot switch users");
                    }
                    runAs = Optional.of(RunAs.lookup(userName)
                            .orElseThrow(() -> new IOException(
                                    "build user '" + userName + "' does not exist (create it with useradd)")));
                }
                default -> runAs = RunAs.defaultPolicy();
            }
            if (runAs.isPresent() && systemTool("setpriv").isEmpty()) {
                throw new IOException(
                        "phases should run as '" + runAs.get().name() + "' but setpriv (util-linux) is not installed");
            }
            Path bash = systemTool("bash").orElseThrow(() -> new IOException("bash is not installed"));
            Optional<Path> setsid = systemTool("setsid");
            if (setsid.isEmpty()) {
                log.warn("setsid (util-linux) is not installed: a phase's background processes are found by parent "
                        + "links only");
            }
            Optional<CgroupV2> cgroups = useCgroups ? CgroupV2.detect(cgroupParent) : Optional.empty();
            ExecutionSettings settings = new ExecutionSettings(this, runAs, cgroups, bash, setsid);
            log.info("execution: {}", settings);
            return settings;
        }
    }
}
