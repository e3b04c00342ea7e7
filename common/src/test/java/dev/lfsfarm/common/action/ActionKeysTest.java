package dev.lfsfarm.common.action;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.common.graph.DependencyResolver;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.BookLoader;
import dev.lfsfarm.common.testing.BookFixture;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ActionKeysTest {
    @TempDir
    Path dir;

    private String[] keys(BookFixture fixture, String profile) throws Exception {
        Book book = BookLoader.load(fixture.root());
        ResolvedGraph g = new DependencyResolver(book, book.profile(profile)).resolve(List.of());
        return ActionKeys.compute(g, "x86_64");
    }

    private BookFixture chain() {
        return new BookFixture(dir)
                .book("name: b\nprofiles: {default: {}, quick: {skip_check: true}}\n")
                .recipe("a", "version: '1'\nphases: {build: make, check: make check}\n")
                .recipe("b", "version: '1'\ndepends: {required: [a]}\nphases: {build: make}\n")
                .recipe("c", "version: '1'\ndepends: {required: [b]}\nphases: {build: make}\n")
                .recipe("other", "version: '1'\nphases: {build: make}\nsbu: 3\n");
    }

    @Test
    void sameInputsSameKeys() throws Exception {
        assertThat(keys(chain(), null)).containsExactly(keys(chain(), null));
        assertThat(keys(chain(), null)[0]).hasSize(64).matches("[0-9a-f]+");
    }

    @Test
    void changingOneRecipeChangesItAndWhatDependsOnItOnly() throws Exception {
        String[] before = keys(chain(), null); // book order: a, b, c, other
        String[] after =
                keys(chain().recipe("b", "version: '1'\ndepends: {required: [a]}\nphases: {build: make -k}\n"), null);
        assertThat(after[0]).isEqualTo(before[0]);
        assertThat(after[1]).isNotEqualTo(before[1]);
        assertThat(after[2]).isNotEqualTo(before[2]);
        assertThat(after[3]).isEqualTo(before[3]);
    }

    @Test
    void schedulingFactsDoNotChangeKeysButProfileAndArchDo() throws Exception {
        String[] before = keys(chain(), null);
        String[] sbuChanged =
                keys(chain().recipe("other", "version: '1'\nphases: {build: make}\nsbu: 9\nparallel_jobs: 8\n"), null);
        assertThat(sbuChanged[3]).isEqualTo(before[3]);
        String[] quick = keys(chain(), "quick");
        assertThat(quick[0]).isNotEqualTo(before[0]); // its check phase no longer runs
        Book book = BookLoader.load(chain().root());
        ResolvedGraph g = new DependencyResolver(book, book.profile(null)).resolve(List.of());
        assertThat(ActionKeys.compute(g, "aarch64")[3]).isNotEqualTo(before[3]);
    }
}
