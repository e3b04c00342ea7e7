package dev.lfsfarm.common.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.BookLoader;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.recipe.Profile;
import dev.lfsfarm.common.testing.BookFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DependencyResolverTest {
    @TempDir
    Path dir;

    private ResolvedGraph resolve(BookFixture fixture, String profile, String... targets) throws InputException {
        Book book = BookLoader.load(fixture.root());
        return new DependencyResolver(book, book.profile(profile)).resolve(List.of(targets));
    }

    private static List<String> ids(ResolvedGraph g) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < g.size(); i++) {
            ids.add(g.id(i));
        }
        return ids;
    }

    private static List<String> deps(ResolvedGraph g, String id) {
        return Arrays.stream(g.dependencies(g.indexOf(id)))
                .mapToObj(g::id)
                .sorted()
                .toList();
    }

    /** app requires lib, recommends doc, optionally uses extra, needs data at runtime. */
    private BookFixture classes() {
        return new BookFixture(dir)
                .book("name: b\nprofiles:\n  default: {}\n  lean: {recommended: false}\n  full: {optional: [extra]}\n")
                .simple("app", "1", "required: [lib], recommended: [doc], optional: [extra], runtime: [data]")
                .simple("lib", "1", "required: [base]")
                .simple("base", "1", "")
                .simple("doc", "1", "")
                .simple("extra", "1", "")
                .simple("data", "1", "")
                .simple("unrelated", "1", "");
    }

    @Test
    void closureOfTargetsFollowsRequiredRecommendedAndRuntime() throws Exception {
        ResolvedGraph g = resolve(classes(), null, "app");
        assertThat(ids(g)).containsExactly("app", "base", "data", "doc", "lib");
        assertThat(deps(g, "app")).containsExactly("doc", "lib");
        assertThat(deps(g, "lib")).containsExactly("base");
        // runtime joins the build but does not order it
        assertThat(g.runtime(g.indexOf("app"))).containsExactly(g.indexOf("data"));
        assertThat(g.dependents(g.indexOf("data"))).isEmpty();
        assertThat(g.targets()).containsExactly("app");
    }

    @Test
    void profileTurnsRecommendedOffAndOptionalOn() throws Exception {
        assertThat(ids(resolve(classes(), "lean", "app"))).containsExactly("app", "base", "data", "lib");
        ResolvedGraph full = resolve(classes(), "full", "app");
        assertThat(deps(full, "app")).containsExactly("doc", "extra", "lib");
        int app = full.indexOf("app");
        int[] d = full.dependencies(app);
        for (int k = 0; k < d.length; k++) {
            if (full.id(d[k]).equals("extra")) {
                assertThat(full.dependencyClass(app, k)).isEqualTo(DependencyClass.OPTIONAL);
            }
        }
    }

    @Test
    void noTargetsMeansTheWholeBookInBookOrder() throws Exception {
        ResolvedGraph g = resolve(classes(), null);
        assertThat(ids(g)).containsExactly("app", "base", "data", "doc", "extra", "lib", "unrelated");
        // extra is in the build (it is in the book) but app does not wait for it without the profile
        assertThat(deps(g, "app")).containsExactly("doc", "lib");
    }

    @Test
    void unknownTargetIsAnInputErrorWithAHint() {
        assertThatThrownBy(() -> resolve(classes(), null, "appp"))
                .isInstanceOfSatisfying(
                        InputException.class,
                        e -> assertThat(e.errors())
                                .extracting(InputError::message)
                                .containsExactly("unknown package 'appp' (did you mean 'app'?)"));
    }

    @Test
    void topologicalOrderPutsDependenciesFirst() throws Exception {
        ResolvedGraph g = resolve(classes(), "full");
        int[] order = g.topologicalOrder();
        int[] position = new int[g.size()];
        for (int i = 0; i < order.length; i++) {
            position[order[i]] = i;
        }
        for (int node = 0; node < g.size(); node++) {
            for (int dep : g.dependencies(node)) {
                assertThat(position[dep]).isLessThan(position[node]);
            }
        }
    }

    private BookFixture freetypeHarfbuzz() {
        return new BookFixture(dir)
                .simple("freetype2", "2.13", "recommended: [harfbuzz]")
                .simple("harfbuzz", "8.0", "required: [freetype2]")
                .simple("cairo", "1.18", "required: [freetype2]");
    }

    @Test
    void cycleIsAnErrorNamingEveryEdgeClass() {
        assertThatThrownBy(() -> resolve(freetypeHarfbuzz(), null)).isInstanceOfSatisfying(InputException.class, e -> {
            assertThat(e.errors()).hasSize(1);
            InputError error = e.errors().get(0);
            assertThat(error.location().file()).endsWith(Path.of("packages", "freetype2.yaml"));
            assertThat(error.location().line()).isEqualTo(2);
            assertThat(error.field()).isEqualTo("depends.recommended[0]");
            assertThat(error.message())
                    .contains("dependency cycle: freetype2 -(recommended)-> harfbuzz -(required)-> freetype2")
                    .contains("--break-cycles");
        });
    }

    @Test
    void everyCycleIsNamed() {
        BookFixture book = freetypeHarfbuzz()
                .simple("a", "1", "optional: [b], required: []")
                .simple("b", "1", "required: [c]")
                .simple("c", "1", "recommended: [a]")
                .book("name: b\nprofiles: {default: {optional: [b]}}\n");
        assertThatThrownBy(() -> resolve(book, null))
                .isInstanceOfSatisfying(
                        InputException.class,
                        e -> assertThat(e.errors())
                                .extracting(InputError::message)
                                .containsExactlyInAnyOrder(
                                        "dependency cycle: a -(optional)-> b -(required)-> c -(recommended)-> a (use --break-cycles, or a profile's break_cycles, to drop its weakest edge)",
                                        "dependency cycle: freetype2 -(recommended)-> harfbuzz -(required)-> freetype2 (use --break-cycles, or a profile's break_cycles, to drop its weakest edge)"));
    }

    @Test
    void breakCyclesDropsTheWeakestNonRequiredEdgeAndSaysWhich() throws Exception {
        BookFixture book = freetypeHarfbuzz()
                .simple("a", "1", "optional: [b], required: []")
                .simple("b", "1", "required: [c]")
                .simple("c", "1", "recommended: [a]")
                .book("name: b\nprofiles: {default: {optional: [b]}}\n");
        Book loaded = BookLoader.load(book.root());
        ResolvedGraph g = new DependencyResolver(loaded, loaded.profile(null), true).resolve(List.of());
        assertThat(g.droppedEdges())
                .extracting(d -> d.edge().toString())
                .containsExactly("a -(optional)-> b", "freetype2 -(recommended)-> harfbuzz");
        assertThat(g.droppedEdges().get(1).cycle().toString())
                .isEqualTo("freetype2 -(recommended)-> harfbuzz -(required)-> freetype2");
        assertThat(deps(g, "harfbuzz")).containsExactly("freetype2");
        assertThat(deps(g, "freetype2")).isEmpty();
        assertThat(deps(g, "c")).containsExactly("a");
    }

    @Test
    void profileCanAskForCycleBreakingAndIsNamedAsTheReason() throws Exception {
        BookFixture book = freetypeHarfbuzz().book("name: b\nprofiles: {default: {break_cycles: true}}\n");
        assertThat(resolve(book, null).droppedEdges())
                .singleElement()
                .satisfies(d -> assertThat(d.reason()).isEqualTo("profile default: break_cycles"));
    }

    @Test
    void cycleOfRequiredEdgesCannotBeBroken() {
        BookFixture book = new BookFixture(dir)
                .simple("x", "1", "required: [y]")
                .simple("y", "1", "required: [x]")
                .book("name: b\nprofiles: {default: {break_cycles: true}}\n");
        assertThatThrownBy(() -> resolve(book, null))
                .isInstanceOfSatisfying(
                        InputException.class,
                        e -> assertThat(e.errors().get(0).message())
                                .startsWith(
                                        "dependency cycle of required edges only: x -(required)-> y -(required)-> x"));
    }

    @Test
    void profileRuleDropsANamedEdgeUpFront() throws Exception {
        BookFixture book =
                freetypeHarfbuzz().book("name: b\nprofiles: {default: {break_cycles: ['freetype2 -> harfbuzz']}}\n");
        ResolvedGraph g = resolve(book, null);
        assertThat(g.droppedEdges()).singleElement().satisfies(d -> {
            assertThat(d.edge().toString()).isEqualTo("freetype2 -(recommended)-> harfbuzz");
            assertThat(d.reason()).isEqualTo("profile default");
            assertThat(d.cycle()).isNull();
        });
    }

    @Test
    void profileRuleMayNotDropARequiredEdge() {
        BookFixture book =
                freetypeHarfbuzz().book("name: b\nprofiles: {default: {break_cycles: ['harfbuzz -> freetype2']}}\n");
        assertThatThrownBy(() -> resolve(book, null)).isInstanceOfSatisfying(InputException.class, e -> {
            assertThat(e.errors().get(0).toString())
                    .endsWith(
                            "farm.yaml:2:37: profiles.default.break_cycles: cannot drop 'harfbuzz -> freetype2': it is a required dependency");
        });
    }

    @Test
    void theSamePairListedTwiceKeepsTheStrongestClass() throws Exception {
        BookFixture book = new BookFixture(dir)
                .simple("a", "1", "recommended: [b], required: [b], runtime: [b]")
                .simple("b", "1", "");
        ResolvedGraph g = resolve(book, null);
        assertThat(g.dependencies(g.indexOf("a"))).hasSize(1);
        assertThat(g.dependencyClass(g.indexOf("a"), 0)).isEqualTo(DependencyClass.REQUIRED);
    }

    @Test
    void defaultProfileWithoutProfilesSection() throws Exception {
        Book book = BookLoader.load(new BookFixture(dir).simple("a", "1", "").root());
        assertThat(book.profile(null)).isEqualTo(Profile.DEFAULT);
        assertThatThrownBy(() -> book.profile("nope")).hasMessageContaining("no profile 'nope'");
        Book onlyFull = BookLoader.load(new BookFixture(dir.resolve("full"))
                .book("name: f\nprofiles: {full: {}}\n")
                .simple("a", "1", "")
                .root());
        assertThat(onlyFull.profile(null)).isEqualTo(Profile.DEFAULT);
        assertThat(onlyFull.profile("full").name()).isEqualTo("full");
    }
}
