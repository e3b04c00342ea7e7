package dev.lfsfarm.worker.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.proto.v1.PlatformFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlatformProbeTest {

    @TempDir
    Path tmp;

    @Test
    void probesThisHost() {
        PlatformFacts f = new PlatformProbe(tmp).probe("0.1.0", List.of("local"), 12.5);

        assertThat(f.getKernelRelease()).isEqualTo(System.getProperty("os.version"));
        assertThat(f.getArch()).isNotEmpty();
        assertThat(f.getCpuCores()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(f.getMemoryTotalBytes()).isPositive();
        assertThat(f.getDiskFreeBytes()).isPositive();
        assertThat(f.getBashVersion()).matches("\\d+\\.\\d+(\\.\\d+)*");
        assertThat(f.getAgentVersion()).isEqualTo("0.1.0");
        assertThat(f.getBackendsList()).containsExactly("local");
        assertThat(f.getSecondsPerSbu()).isEqualTo(12.5);
        if (Files.exists(Path.of("/etc/os-release"))) {
            assertThat(f.getOsId()).isNotEmpty();
        }
    }

    @Test
    void readsFactsFromItsFilesAndToleratesMissingOnes() throws Exception {
        Path osRelease = Files.writeString(
                tmp.resolve("os-release"),
                String.join(
                        "\n",
                        "# comment",
                        "PRETTY_NAME=\"Linux From Scratch 12.2\"",
                        "ID=lfs",
                        "VERSION_ID='12.2'",
                        ""));
        Path meminfo = Files.writeString(tmp.resolve("meminfo"), "MemTotal:       2048 kB\nMemFree: 1 kB\n");
        Path cpuinfo = Files.writeString(
                tmp.resolve("cpuinfo"),
                "processor\t: 0\nmodel\t\t: 49\nmodel name\t: AMD EPYC 7302P 16-Core Processor\n");

        PlatformFacts f =
                new PlatformProbe(tmp.resolve("work/not/yet"), osRelease, meminfo, cpuinfo).probe("x", List.of(), 0);

        assertThat(f.getOsId()).isEqualTo("lfs");
        assertThat(f.getOsVersionId()).isEqualTo("12.2");
        assertThat(f.getOsPrettyName()).isEqualTo("Linux From Scratch 12.2");
        assertThat(f.getCpuModel()).isEqualTo("AMD EPYC 7302P 16-Core Processor");
        assertThat(f.getMemoryTotalBytes()).isEqualTo(2048 * 1024);
        assertThat(f.getDiskFreeBytes()).isPositive(); // of the nearest existing parent

        Path none = tmp.resolve("none");
        PlatformFacts empty = new PlatformProbe(tmp, none, none, none).probe("x", List.of(), 0);
        assertThat(empty.getOsId()).isEmpty();
        assertThat(empty.getMemoryTotalBytes()).isZero();
        assertThat(empty.getCpuModel()).isEmpty();
    }

    @Test
    void versionsAreCutFromVersionLines() {
        assertThat(PlatformProbe.versionOf("gcc (Debian 12.2.0-14) 12.2.0")).isEqualTo("12.2.0");
        assertThat(PlatformProbe.versionOf("gcc (GCC) 14.2.0")).isEqualTo("14.2.0");
        assertThat(PlatformProbe.versionOf("GNU Make 4.4.1")).isEqualTo("4.4.1");
        assertThat(PlatformProbe.versionOf("GNU bash, version 5.2.37(1)-release (x86_64-pc-linux-gnu)"))
                .isEqualTo("5.2.37");
        assertThat(PlatformProbe.versionOf("glibc 2.41")).isEqualTo("2.41");
        assertThat(PlatformProbe.versionOf("no digits here")).isEmpty();
        assertThat(PlatformProbe.toolVersion("no-such-tool-xyz", "--version")).isEmpty();
    }
}
