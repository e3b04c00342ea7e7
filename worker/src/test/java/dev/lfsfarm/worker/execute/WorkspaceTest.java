package dev.lfsfarm.worker.execute;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspaceTest {

    @TempDir
    Path tmp;

    @Test
    void createsTheLayoutFresh() throws Exception {
        Workspace first = Workspace.create(tmp, "b-20250524-0007/libvorbis/2", false);
        Files.writeString(first.dest().resolve("stale"), "x");

        Workspace ws = Workspace.create(tmp, "b-20250524-0007/libvorbis/2", false);

        assertThat(ws.root()).isEqualTo(tmp.resolve("b-20250524-0007_libvorbis_2"));
        assertThat(ws.src()).isEmptyDirectory();
        assertThat(ws.sources()).isEmptyDirectory();
        assertThat(ws.sysroot()).isEmptyDirectory();
        assertThat(ws.dest()).isEmptyDirectory();
        assertThat(ws.home()).isEmptyDirectory();
        assertThat(ws.tmp()).isEmptyDirectory();
        assertThat(ws.log()).isRegularFile().isEmptyFile();
        assertThat(Files.getPosixFilePermissions(ws.home())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void deleteRemovesReadOnlyTreesAndDoesNotFollowLinks() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "x");
        Workspace ws = Workspace.create(tmp.resolve("work"), "a", false);
        Path ro = Files.createDirectories(ws.src().resolve("ro/deeper"));
        Files.writeString(ro.resolve("f"), "x");
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(ro.getParent(), PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.createSymbolicLink(ws.src().resolve("link"), outside);

        ws.delete();

        assertThat(ws.root()).doesNotExist();
        assertThat(outside.resolve("keep")).exists();
    }

    @Test
    void finishKeepsAFailedWorkspaceOnlyWhenConfigured() throws Exception {
        Workspace keep = Workspace.create(tmp, "keep", true);
        Workspace drop = Workspace.create(tmp, "drop", false);

        assertThat(keep.finish(false)).isTrue();
        assertThat(drop.finish(false)).isFalse();
        assertThat(keep.root()).exists();
        assertThat(drop.root()).doesNotExist();
        assertThat(keep.finish(true)).isFalse();
        assertThat(keep.root()).doesNotExist();
    }

    @Test
    void folderNamesAreSafe() {
        assertThat(Workspace.folderName("b/../x")).isEqualTo("b_.._x");
        assertThat(Workspace.folderName("..")).isEqualTo("__");
    }
}
