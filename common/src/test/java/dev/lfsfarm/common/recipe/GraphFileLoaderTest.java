package dev.lfsfarm.common.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphFileLoaderTest {
    @TempDir
    Path dir;

    private Path write(String json) throws Exception {
        Path file = dir.resolve("g.json");
        Files.writeString(file, json);
        return file;
    }

    @Test
    void loadsTheLfsChapter8GraphResolvingDependenciesByName() throws Exception {
        Book book = GraphFileLoader.load(Path.of("../examples/lfs-chapter8.json"), 0.1);
        assertThat(book.recipes()).hasSize(80);
        assertThat(book.recipes().get(0).id()).isEqualTo("man-pages");
        Recipe zstd = book.recipe("zstd").orElseThrow();
        // the data names lz4 by its package name "Lz4"; it resolves to the id
        assertThat(zstd.depends(DependencyClass.REQUIRED))
                .extracting(Dependency::target)
                .contains("lz4");
        assertThat(book.recipe("gcc").orElseThrow().parallelJobs()).isEqualTo(4);
        assertThat(book.recipes().stream().mapToDouble(Recipe::sbu).sum())
                .isCloseTo(94.5, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void unknownFieldsAreIgnoredAndMissingSbuTakesTheDefault() throws Exception {
        Book book = GraphFileLoader.load(write("""
                {"metadata": {"x": 1}, "packages": [
                  {"id": "a", "version": "1", "colour": "blue"},
                  {"id": "b", "version": 2.1, "sbu": 3, "required": ["a"], "optional": ["Berkeley DB"]}
                ]}"""), 0.25);
        assertThat(book.recipe("a").orElseThrow().sbu()).isEqualTo(0.25);
        assertThat(book.recipe("b").orElseThrow().version()).isEqualTo("2.1");
        assertThat(book.recipe("b").orElseThrow().depends(DependencyClass.OPTIONAL))
                .isEmpty();
    }

    @Test
    void reportsEveryProblemWithItsLine() throws Exception {
        Path file = write("""
                {"packages": [
                  {"id": "a", "sbu": -1},
                  {"id": "b", "required": ["a", "zz"]},
                  {"id": "a"},
                  {"version": "1"}
                ]}""");
        assertThatThrownBy(() -> GraphFileLoader.load(file, 0.1)).isInstanceOfSatisfying(InputException.class, e -> {
            assertThat(e.errors())
                    .extracting(InputError::toString)
                    .containsExactly(
                            file + ":2:22: packages[0].sbu: must be a number >= 0, found -1",
                            file
                                    + ":3:33: packages[1].required[1]: unknown dependency 'zz' of b: no package with that id in the book",
                            file + ":4:10: packages[2].id: duplicate package id 'a' (first at line 2)",
                            file + ":5:3: packages[3].id: missing (required)");
        });
    }

    @Test
    void aFileThatIsNotAGraphSaysSo() throws Exception {
        assertThatThrownBy(() -> GraphFileLoader.load(write("{\"nodes\": []}"), 0.1))
                .hasMessageContaining("packages: missing (required)");
        assertThatThrownBy(() -> GraphFileLoader.load(write("{\"packages\": [}"), 0.1))
                .hasMessageContaining("cannot parse");
        assertThatThrownBy(
                        () -> GraphFileLoader.load(write("{\"packages\": [{\"id\": \"a\"}]}\n{\"packages\": ["), 0.1))
                .hasMessageContaining("unexpected content after the end of the document");
        assertThatThrownBy(() -> GraphFileLoader.load(dir.resolve("absent.json"), 0.1))
                .hasMessageContaining("no such file");
    }
}
