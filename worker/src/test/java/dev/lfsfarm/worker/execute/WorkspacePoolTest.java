package dev.lfsfarm.worker.execute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspacePoolTest {

    @TempDir
    Path tmp;

    @Test
    void aRecycledWorkspaceIsExactlyWhatAFreshOneIs() throws Exception {
        WorkspacePool pool = new WorkspacePool(tmp.resolve("attempts"), tmp.resolve("recycled"), 4, false, true);
        Workspace used = pool.acquire("1-1");
        litter(used);

        assertThat(pool.release(used, true)).isFalse();
        assertThat(pool.size()).isEqualTo(1);
        assertThat(used.root()).doesNotExist();

        Workspace reused = pool.acquire("1-2");
        assertThat(pool.size()).isZero();
        assertThat(reused.root()).isEqualTo(tmp.resolve("attempts/1-2").toAbsolutePath());
        Workspace fresh = Workspace.create(tmp.resolve("other"), "1-3", false);
        assertThat(shape(reused.root())).isEqualTo(shape(fresh.root()));
        assertThat(reused.log()).isEmptyFile();
    }

    @Test
    void aWorkspaceThatCannotBeRestoredIsDeletedAndNothingOutsideItIsTouched() throws Exception {
        WorkspacePool pool = new WorkspacePool(tmp.resolve("attempts"), tmp.resolve("recycled"), 4, false, true);
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "mine");
        Workspace used = pool.acquire("1-1");
        Files.delete(used.dest());
        Files.createSymbolicLink(used.dest(), outside);

        assertThat(pool.release(used, true)).isFalse();
        assertThat(pool.size()).isZero();
        assertThat(used.root()).doesNotExist();
        assertThat(outside.resolve("keep")).hasContent("mine");
    }

    @Test
    void failedWorkspacesAreKeptWhenAskedAndThePoolIsBounded() throws Exception {
        WorkspacePool keeping = new WorkspacePool(tmp.resolve("a"), tmp.resolve("ra"), 4, true, true);
        Workspace failed = keeping.acquire("1-1");
        assertThat(keeping.release(failed, false)).isTrue();
        assertThat(failed.root()).isDirectory();
        assertThat(keeping.size()).isZero();

        WorkspacePool small = new WorkspacePool(tmp.resolve("b"), tmp.resolve("rb"), 1, false, true);
        Workspace one = small.acquire("1-1");
        Workspace two = small.acquire("1-2");
        small.release(one, true);
        small.release(two, false);
        assertThat(small.size()).isEqualTo(1);
        assertThat(two.root()).doesNotExist();
        try (Stream<Path> waiting = Files.list(tmp.resolve("rb"))) {
            assertThat(waiting).hasSize(1);
        }
    }

    @Test
    void foldersABuildUserOwnedAreGivenBackToTheWorkerBeforeTheyWait() throws Exception {
        assumeTrue(RunAs.workerIsRoot(), "only root can give folders to another user");
        WorkspacePool pool = new WorkspacePool(tmp.resolve("attempts"), tmp.resolve("recycled"), 4, false, true);
        Workspace used = pool.acquire("1-1");
        UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
        for (Path dir : new Path[] {used.src(), used.dest(), used.home(), used.tmp()}) {
            Files.setOwner(dir, users.lookupPrincipalByName("nobody")); // what Workspace.handTo does
        }
        UserPrincipal worker = Files.getOwner(used.root());

        pool.release(used, true);

        try (Stream<Path> waiting = Files.list(tmp.resolve("recycled"))) {
            Path parked = waiting.findFirst().orElseThrow();
            for (String dir : new String[] {"src", "dest", "home", "tmp"}) {
                assertThat(Files.getOwner(parked.resolve(dir), LinkOption.NOFOLLOW_LINKS))
                        .isEqualTo(worker);
            }
        }
    }

    @Test
    void withoutRecyclingWorkspacesAreDeletedAsBefore() throws Exception {
        WorkspacePool pool = new WorkspacePool(tmp.resolve("attempts"), tmp.resolve("recycled"), 4, false, false);
        Workspace used = pool.acquire("1-1");

        assertThat(pool.release(used, true)).isFalse();
        assertThat(pool.size()).isZero();
        assertThat(used.root()).doesNotExist();
    }

    @Test
    void leftoversOfAnEarlierRunAreDeletedAtStart() throws Exception {
        Files.createDirectories(tmp.resolve("recycled/7/dest"));
        WorkspacePool pool = new WorkspacePool(tmp.resolve("attempts"), tmp.resolve("recycled"), 4, false, true);
        assertThat(tmp.resolve("recycled/7")).doesNotExist();
        assertThat(pool.acquire("1-1").dest()).isEmptyDirectory();
    }

    /** What a build might leave: files everywhere, a read-only tree, changed modes, extra entries. */
    private static void litter(Workspace ws) throws IOException {
        for (Path dir :
                new Path[] {ws.src(), ws.sources(), ws.sysroot(), ws.dest(), ws.home(), ws.tmp(), ws.internal()}) {
            Files.writeString(dir.resolve("left.txt"), "x");
        }
        Path ro = Files.createDirectories(ws.dest().resolve("usr/lib"));
        Files.writeString(ro.resolve("libx.so"), "elf");
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(ws.home(), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setPosixFilePermissions(ws.dest(), PosixFilePermissions.fromString("r-x------"));
        Files.writeString(ws.root().resolve("stray"), "y");
        Files.createSymbolicLink(ws.src().resolve("link"), Path.of("/etc"));
        Files.writeString(ws.log(), "a log");
        if (RunAs.workerIsRoot()) {
            Files.setOwner(
                    ws.tmp(),
                    FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        }
    }

    /** Every path below root with its type, mode and owner. */
    private static Map<String, String> shape(Path root) throws IOException {
        Map<String, String> shape = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String type =
                        Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "d" : Files.isSymbolicLink(p) ? "l" : "f";
                shape.put(
                        root.relativize(p).toString(),
                        type + " "
                                + PosixFilePermissions.toString(
                                        Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS))
                                + " "
                                + Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName());
            }
        }
        return shape;
    }
}
