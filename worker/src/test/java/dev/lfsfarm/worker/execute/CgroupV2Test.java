package dev.lfsfarm.worker.execute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CgroupV2Test {

    @Test
    void detectsAWritableHierarchyAndManagesPhaseCgroups() throws Exception {
        assumeTrue(RunAs.workerIsRoot(), "needs root to create cgroups");
        assumeTrue(CgroupV2.mountPoint().isPresent(), "cgroup v2 is not mounted");
        String parentName = "farm-test-" + ProcessHandle.current().pid();

        Optional<CgroupV2> cgroups = CgroupV2.detect(parentName);
        assumeTrue(cgroups.isPresent(), "cgroup v2 is not usable here");
        Path parent = cgroups.get().parent();
        try {
            assertThat(parent.getFileName().toString()).isEqualTo(parentName);
            PhaseCgroup cg = cgroups.get().create("attempt-x/1-build");
            assertThat(cg.dir().getFileName().toString()).isEqualTo("attempt-x_1-build");
            assertThat(cg.procsFile()).exists();
            assertThat(cg.pids()).isEmpty();
            assertThat(cg.cpuSeconds()).containsExactly(0.0, 0.0);
            assertThat(cg.remove(1_000_000_000L)).isTrue();
            assertThat(cg.dir()).doesNotExist();
            assertThat(parent)
                    .isDirectoryNotContaining(p -> p.getFileName().toString().startsWith("probe-"));
        } finally {
            Files.deleteIfExists(parent);
        }
    }

    @Test
    void aParentOutsideTheHierarchyIsRefused() {
        assertThat(CgroupV2.detect("/../../etc")).isEmpty();
    }
}
