package dev.lfsfarm.worker.platform;

import dev.lfsfarm.proto.v1.PlatformFacts;
import dev.lfsfarm.worker.execute.RunAs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes the facts a worker reports about its host ({@code farm.v1.PlatformFacts}): distribution,
 * kernel, architecture, CPU, memory, free workspace disk and toolchain versions.
 *
 * <p>Every fact is best effort: what cannot be read stays empty or zero, as the proto defines, and
 * a missing tool ({@code gcc} on a fresh host) is not an error. Why the toolchain versions matter:
 * an artifact built with gcc 14 on one worker and gcc 12 on another is not the same artifact, and
 * an operator chasing a difference needs to see that at a glance.
 */
public final class PlatformProbe {

    private static final Logger log = LoggerFactory.getLogger(PlatformProbe.class);
    private static final Pattern VERSION = Pattern.compile("\\d+(\\.\\d+)+");
    private static final long TOOL_TIMEOUT_SECONDS = 5;

    private final Path workDir;
    private final Path osRelease;
    private final Path meminfo;
    private final Path cpuinfo;

    /** A probe of this host; {@code workDir} is the folder whose free space is reported. */
    public PlatformProbe(Path workDir) {
        this(workDir, Path.of("/etc/os-release"), Path.of("/proc/meminfo"), Path.of("/proc/cpuinfo"));
    }

    PlatformProbe(Path workDir, Path osRelease, Path meminfo, Path cpuinfo) {
        this.workDir = workDir;
        this.osRelease = osRelease;
        this.meminfo = meminfo;
        this.cpuinfo = cpuinfo;
    }

    /**
     * Probes the host.
     *
     * @param agentVersion the worker's version
     * @param backends the execution backends this worker offers ("local", "sandbox", "lxc")
     * @param secondsPerSbu the calibrated seconds per SBU; 0 = not calibrated
     */
    public PlatformFacts probe(String agentVersion, List<String> backends, double secondsPerSbu) {
        PlatformFacts.Builder b = PlatformFacts.newBuilder();
        Map<String, String> os = osRelease();
        b.setOsId(os.getOrDefault("ID", ""));
        b.setOsVersionId(os.getOrDefault("VERSION_ID", ""));
        b.setOsPrettyName(os.getOrDefault("PRETTY_NAME", ""));
        b.setKernelRelease(System.getProperty("os.version", ""));
        b.setArch(arch());
        b.setCpuModel(cpuModel());
        b.setCpuCores(Runtime.getRuntime().availableProcessors());
        b.setMemoryTotalBytes(memoryTotal());
        b.setDiskFreeBytes(diskFree());
        b.setGccVersion(toolVersion("gcc", "--version"));
        b.setMakeVersion(toolVersion("make", "--version"));
        b.setBashVersion(toolVersion("bash", "--version"));
        b.setGlibcVersion(toolVersion("getconf", "GNU_LIBC_VERSION"));
        b.setAgentVersion(agentVersion == null ? "" : agentVersion);
        b.addAllBackends(backends);
        b.setSecondsPerSbu(Math.max(0, secondsPerSbu));
        b.setRunsAsRoot(RunAs.workerIsRoot());
        PlatformFacts facts = b.build();
        log.info(
                "platform: {} {} ({}), kernel {}, {} x {}, {} MiB, gcc {}, make {}, bash {}, glibc {}",
                facts.getOsId(),
                facts.getOsVersionId(),
                facts.getArch(),
                facts.getKernelRelease(),
                facts.getCpuCores(),
                facts.getCpuModel(),
                facts.getMemoryTotalBytes() >> 20,
                facts.getGccVersion(),
                facts.getMakeVersion(),
                facts.getBashVersion(),
                facts.getGlibcVersion());
        return facts;
    }

    /** Free bytes on the filesystem of the work dir (its nearest existing parent); 0 if unknown. */
    public long diskFree() {
        Path p = workDir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return 0;
        }
        try {
            return Files.getFileStore(p).getUsableSpace();
        } catch (IOException e) {
            return 0;
        }
    }

    Map<String, String> osRelease() {
        try {
            return parseOsRelease(Files.readString(osRelease, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Map.of();
        }
    }

    /** Parses os-release(5): KEY=value lines, values optionally quoted with " or ' and \-escaped. */
    static Map<String, String> parseOsRelease(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            int eq = line.indexOf('=');
            if (line.isEmpty() || line.startsWith("#") || eq <= 0) {
                continue;
            }
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2
                    && (value.charAt(0) == '"' || value.charAt(0) == '\'')
                    && value.charAt(value.length() - 1) == value.charAt(0)) {
                value = value.substring(1, value.length() - 1).replaceAll("\\\\(.)", "$1");
            }
            values.put(line.substring(0, eq).strip(), value);
        }
        return values;
    }

    private static String arch() {
        String uname = run("uname", "-m").map(String::strip).orElse("");
        if (!uname.isEmpty()) {
            return uname;
        }
        String java = System.getProperty("os.arch", "");
        return switch (java) {
            case "amd64" -> "x86_64";
            case "x86" -> "i686";
            default -> java;
        };
    }

    private String cpuModel() {
        try {
            for (String line : Files.readAllLines(cpuinfo, StandardCharsets.UTF_8)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    String key = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                    // x86: "model name"; arm64: none per core, but often "Model" or "CPU part".
                    if (key.equals("model name")
                            || key.equals("model")
                                    && !line.substring(colon + 1).strip().matches("\\d+")) {
                        return line.substring(colon + 1).strip();
                    }
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "";
    }

    /** MemTotal, lowered to the worker's cgroup memory limit when that is smaller. */
    public long memoryTotal() {
        long total = 0;
        try {
            for (String line : Files.readAllLines(meminfo, StandardCharsets.UTF_8)) {
                if (line.startsWith("MemTotal:")) {
                    total = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        long limit = cgroupMemoryLimit().orElse(Long.MAX_VALUE);
        return limit > 0 && limit < total ? limit : total;
    }

    private static Optional<Long> cgroupMemoryLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"), StandardCharsets.UTF_8)) {
                String[] f = line.split(":", 3);
                if (f.length != 3) {
                    continue;
                }
                Path file = null;
                if (f[0].equals("0") && f[1].isEmpty()) {
                    file = cgroupFile(Path.of("/sys/fs/cgroup"), f[2], "memory.max");
                    if (file == null) {
                        file = cgroupFile(Path.of("/sys/fs/cgroup/unified"), f[2], "memory.max");
                    }
                } else if (List.of(f[1].split(",")).contains("memory")) {
                    file = cgroupFile(Path.of("/sys/fs/cgroup/memory"), f[2], "memory.limit_in_bytes");
                }
                if (file != null) {
                    String v = Files.readString(file).strip();
                    if (v.matches("\\d+")) {
                        return Optional.of(Long.parseLong(v));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no cgroup information
        }
        return Optional.empty();
    }

    private static Path cgroupFile(Path mount, String cgroup, String name) {
        Path file = mount.resolve(cgroup.replaceAll("^/+", "")).resolve(name);
        return Files.isRegularFile(file) ? file : null;
    }

    /** The version in the first line of a tool's output, or "" when the tool is missing or silent. */
    static String toolVersion(String tool, String arg) {
        return run(tool, arg)
                .map(out -> versionOf(out.lines().findFirst().orElse("")))
                .orElse("");
    }

    /**
     * The version in a "--version" line: the first version after the word "version" if there is
     * one ("GNU bash, version 5.2.15(1)-release"), else the last version in the line
     * ("gcc (Debian 12.2.0-14) 12.2.0", "GNU Make 4.3", "glibc 2.36").
     */
    static String versionOf(String line) {
        int at = line.toLowerCase(Locale.ROOT).indexOf("version ");
        if (at >= 0) {
            Matcher m = VERSION.matcher(line);
            if (m.find(at)) {
                return m.group();
            }
        }
        Matcher m = VERSION.matcher(line);
        String last = "";
        while (m.find()) {
            last = m.group();
        }
        return last;
    }

    private static Optional<String> run(String... command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().put("LC_ALL", "C");
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readNBytes(64 << 10);
            }
            if (!p.waitFor(TOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? Optional.of(new String(out, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
