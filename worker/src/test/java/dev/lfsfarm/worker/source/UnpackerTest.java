package dev.lfsfarm.worker.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UnpackerTest {

    @TempDir
    Path tmp;

    private Path tree() throws Exception {
        Path top = Files.createDirectories(tmp.resolve("in/pkg-2.0"));
        Files.writeString(top.resolve("configure"), "#!/bin/sh\necho ok\n");
        Files.setPosixFilePermissions(top.resolve("configure"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(top.resolve("src"));
        Files.writeString(top.resolve("src/main.c"), "int main(void){return 0;}\n");
        Files.createSymbolicLink(top.resolve("link"), Path.of("src/main.c"));
        return top;
    }

    private Path tar(String name, String... flags) throws Exception {
        tree();
        Path archive = tmp.resolve(name);
        List<String> cmd = new java.util.ArrayList<>(List.of("tar", "-cf", archive.toString()));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-C", tmp.resolve("in").toString(), "pkg-2.0"));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assumeTrue(p.waitFor() == 0, "tar cannot write " + name);
        return archive;
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "pkg-2.0.tar",
                "pkg-2.0.tar.gz",
                "pkg-2.0.tgz",
                "pkg-2.0.tar.xz",
                "pkg-2.0.tar.bz2",
                "pkg-2.0.tar.zst"
            })
    void unpacksArchivesAndRunsInTheirSingleTopFolder(String name) throws Exception {
        assumeTrue(!name.endsWith(".zst") || ExecutionTools.has("zstd"), "no zstd");
        assumeTrue(!name.endsWith(".xz") || ExecutionTools.has("xz"), "no xz");
        assumeTrue(!name.endsWith(".bz2") || ExecutionTools.has("bzip2"), "no bzip2");
        Path archive = tar(name, "-a");
        Path src = Files.createDirectories(tmp.resolve("src"));

        Path buildDir = Unpacker.unpackFirst(archive, src);

        assertThat(buildDir).isEqualTo(src.resolve("pkg-2.0"));
        assertThat(buildDir.resolve("configure")).isExecutable();
        assertThat(buildDir.resolve("src/main.c")).exists();
        assertThat(Files.isSymbolicLink(buildDir.resolve("link"))).isTrue();
    }

    @Test
    void severalTopEntriesRunInSrc() throws Exception {
        tree();
        Files.writeString(tmp.resolve("in/NOTES"), "x");
        Path archive = tmp.resolve("multi.tar.gz");
        Process p = new ProcessBuilder(
                        "tar",
                        "-czf",
                        archive.toString(),
                        "-C",
                        tmp.resolve("in").toString(),
                        "pkg-2.0",
                        "NOTES")
                .inheritIO()
                .start();
        assertThat(p.waitFor()).isZero();
        Path src = Files.createDirectories(tmp.resolve("src"));

        assertThat(Unpacker.unpackFirst(archive, src)).isEqualTo(src);
        assertThat(src.resolve("NOTES")).exists();
    }

    @Test
    void aFolderIsCopiedWithExecBitsAndLinksAndRunsInSrc() throws Exception {
        Path top = tree();
        Path src = Files.createDirectories(tmp.resolve("src"));

        Path buildDir = Unpacker.unpackFirst(top, src);

        assertThat(buildDir).isEqualTo(src);
        assertThat(src.resolve("configure")).isExecutable();
        assertThat(Files.readSymbolicLink(src.resolve("link"))).isEqualTo(Path.of("src/main.c"));
        assertThat(src.resolve("src/main.c")).hasContent("int main(void){return 0;}");
    }

    @Test
    void aPlainFileIsCopiedIntoSrc() throws Exception {
        Path file = Files.writeString(tmp.resolve("tool.sh"), "echo hi\n");
        Path src = Files.createDirectories(tmp.resolve("src"));

        assertThat(Unpacker.unpackFirst(file, src)).isEqualTo(src);
        assertThat(src.resolve("tool.sh")).hasContent("echo hi");
    }

    @Test
    void aCorruptArchiveIsAClearError() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad-1.0.tar.gz"), "this is not gzip");
        Path src = Files.createDirectories(tmp.resolve("src"));

        assertThatThrownBy(() -> Unpacker.unpackFirst(bad, src))
                .hasMessageStartingWith("cannot unpack bad-1.0.tar.gz (tar exit status 2)")
                .hasMessageContaining("tar:");
    }

    @Test
    void choosesTheFirstArchiveOrFolder() throws Exception {
        Path patch = Files.writeString(tmp.resolve("a.patch"), "x");
        Path archive = Files.writeString(tmp.resolve("b-1.tar.xz"), "x");
        Path other = Files.writeString(tmp.resolve("c.tar.gz"), "x");

        assertThat(Unpacker.firstUnpackable(List.of(patch, archive, other))).contains(archive);
        assertThat(Unpacker.firstUnpackable(List.of(patch))).contains(patch);
        assertThat(Unpacker.firstUnpackable(List.of())).isEmpty();
        assertThat(Unpacker.isArchive(Path.of("x.TAR.GZ"))).isTrue();
        assertThat(Unpacker.isArchive(Path.of("x.patch"))).isFalse();
    }

    /** Whether a tool is installed. */
    static final class ExecutionTools {
        static boolean has(String tool) {
            for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin")) {
                if (Files.isExecutable(Path.of(dir, tool))) {
                    return true;
                }
            }
            return false;
        }
    }
}
