package dev.lfsfarm.common.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.testing.BookFixture;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BookLoaderTest {
    @TempDir
    Path dir;

    private List<InputError> errorsOf(BookFixture book) {
        try {
            BookLoader.load(book.root());
        } catch (InputException e) {
            return e.errors();
        }
        throw new AssertionError("the book loaded without errors");
    }

    private static InputError only(List<InputError> errors) {
        assertThat(errors).hasSize(1);
        return errors.get(0);
    }

    @Test
    void loadsTheDemoBookWithDefaultsProfilesAndConstraints() throws Exception {
        Book book = BookLoader.load(Path.of("../examples/demo"));
        assertThat(book.name()).isEqualTo("demo");
        assertThat(book.recipes())
                .extracting(Recipe::id)
                .containsExactly("demo-data", "demo-suite", "hello", "kvtool", "libhash", "libkv", "libstr");
        Recipe kvtool = book.recipe("kvtool").orElseThrow();
        assertThat(kvtool.depends(DependencyClass.REQUIRED))
                .extracting(Dependency::toString)
                .containsExactly("libkv >= 2.0", "libstr >= 1.0");
        assertThat(kvtool.depends(DependencyClass.RECOMMENDED))
                .extracting(Dependency::target)
                .containsExactly("libhash");
        assertThat(kvtool.phases()).containsKeys(Phase.CONFIGURE, Phase.BUILD, Phase.CHECK, Phase.INSTALL);
        assertThat(kvtool.resources().memoryMb()).isEqualTo(256);
        assertThat(book.profile("quick").recommended()).isFalse();
        assertThat(book.profile(null).name()).isEqualTo("default");
        assertThat(book.profile(null).env()).containsEntry("CFLAGS", "-O2");
    }

    @Test
    void recipeDefaultsComeFromFarmYamlThenBuiltIns() throws Exception {
        BookFixture book = new BookFixture(dir)
                .book("name: b\ndefaults: {parallel_jobs: 3, resources: {memory_mb: 128}, labels: {arch: x86_64}}\n")
                .recipe("a", "version: '1'\n")
                .recipe("b", "version: '1'\nparallel_jobs: 6\nsbu: 2.5\nresources: {disk_mb: 9}\n");
        Book loaded = BookLoader.load(book.root());
        Recipe a = loaded.recipe("a").orElseThrow();
        Recipe b = loaded.recipe("b").orElseThrow();
        assertThat(a.parallelJobs()).isEqualTo(3);
        assertThat(a.sbu()).isEqualTo(RecipeDefaults.DEFAULT_SBU);
        assertThat(a.resources()).isEqualTo(new Resources(128, 0));
        assertThat(a.labels()).containsEntry("arch", "x86_64");
        assertThat(b.parallelJobs()).isEqualTo(6);
        assertThat(b.sbu()).isEqualTo(2.5);
        assertThat(b.resources()).isEqualTo(new Resources(128, 9));
        assertThat(a.name()).isEqualTo("a");
    }

    @Test
    void unknownDependencyIsNamedWithFileLineAndSuggestion() {
        BookFixture book = new BookFixture(dir).simple("glib", "2.76", "").simple("app", "1", "required: [gilb]");
        InputError e = only(errorsOf(book));
        assertThat(e.location().file()).endsWith(Path.of("packages", "app.yaml"));
        assertThat(e.location().line()).isEqualTo(2);
        assertThat(e.field()).isEqualTo("depends.required[0]");
        assertThat(e.message()).contains("unknown dependency 'gilb'").contains("did you mean 'glib'");
    }

    @Test
    void unknownFieldIsATypoWithAHint() {
        BookFixture book = new BookFixture(dir).recipe("a", "version: '1'\nphazes: {build: make}\n");
        InputError e = only(errorsOf(book));
        assertThat(e.location().line()).isEqualTo(2);
        assertThat(e.location().column()).isEqualTo(1);
        assertThat(e.field()).isEqualTo("phazes");
        assertThat(e.message()).contains("unknown field").contains("did you mean 'phases'");
    }

    @Test
    void unknownFieldInNestedMappingsAndFarmYaml() {
        BookFixture book = new BookFixture(dir)
                .book("name: b\nprofiles: {default: {recomended: false}}\n")
                .recipe("a", "version: '1'\nresources: {memroy_mb: 5}\n");
        List<InputError> errors = errorsOf(book);
        assertThat(errors)
                .extracting(InputError::field)
                .containsExactlyInAnyOrder("profiles.default.recomended", "resources.memroy_mb");
    }

    @Test
    void duplicateIdNamesBothFiles() {
        BookFixture book = new BookFixture(dir).simple("zlib", "1.3", "").recipe("zlib2", "id: zlib\nversion: '2.0'\n");
        InputError e = only(errorsOf(book));
        assertThat(e.location().file()).endsWith(Path.of("packages", "zlib2.yaml"));
        assertThat(e.location().line()).isEqualTo(1);
        assertThat(e.field()).isEqualTo("id");
        assertThat(e.message()).contains("duplicate package id 'zlib'").contains("zlib.yaml");
    }

    @Test
    void urlSourceWithoutChecksumIsRefused() {
        BookFixture book = new BookFixture(dir)
                .recipe("a", "version: '1'\nsources:\n  - url: https://example.org/a-1.tar.xz\n  - path: farm.yaml\n");
        InputError e = only(errorsOf(book));
        assertThat(e.location().line()).isEqualTo(3);
        assertThat(e.field()).isEqualTo("sources[0].sha256");
        assertThat(e.message()).contains("missing checksum");
    }

    @Test
    void checksumsMustBeHexOfTheRightLength() {
        BookFixture book = new BookFixture(dir)
                .recipe(
                        "a",
                        "version: '1'\nsources:\n  - url: https://example.org/a.tar.xz\n    md5: abc\n"
                                + "  - url: ftp://example.org/b.tar.xz\n    sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n");
        InputError e = only(errorsOf(book));
        assertThat(e.field()).isEqualTo("sources[0].md5");
        assertThat(e.message()).contains("32 hexadecimal digits");
    }

    @Test
    void pathSourcesMustStayInsideTheBookAndExist() {
        BookFixture book = new BookFixture(dir)
                .recipe("a", "version: '1'\nsources:\n  - path: ../outside\n  - path: patches/missing.patch\n");
        List<InputError> errors = errorsOf(book);
        assertThat(errors).extracting(InputError::field).containsExactly("sources[0].path", "sources[1].path");
        assertThat(errors.get(0).message()).contains("relative path inside the book");
        assertThat(errors.get(1).message()).contains("does not exist");
    }

    @Test
    void badVersionConstraintIsReported() {
        BookFixture book =
                new BookFixture(dir).simple("glib", "2.76", "").simple("app", "1", "required: ['glib >> 2']");
        InputError e = only(errorsOf(book));
        assertThat(e.field()).isEqualTo("depends.required[0]");
        assertThat(e.message()).contains("bad version constraint '>> 2'");
    }

    @Test
    void unsatisfiedConstraintNamesBothPackages() {
        BookFixture book =
                new BookFixture(dir).simple("glib", "2.74.1", "").simple("app", "1", "required: ['glib >= 2.76']");
        InputError e = only(errorsOf(book));
        assertThat(e.location().file()).endsWith(Path.of("packages", "app.yaml"));
        assertThat(e.message()).contains("app required 'glib >= 2.76'").contains("glib in the book is version 2.74.1");
    }

    @Test
    void negativeSbuIsRefused() {
        BookFixture book = new BookFixture(dir).recipe("a", "version: '1'\nsbu: -0.5\n");
        InputError e = only(errorsOf(book));
        assertThat(e.location().line()).isEqualTo(2);
        assertThat(e.field()).isEqualTo("sbu");
        assertThat(e.message()).contains(">= 0").contains("-0.5");
    }

    @Test
    void phaseMustBeAString() {
        BookFixture book =
                new BookFixture(dir).recipe("a", "version: '1'\nphases:\n  build: [make, all]\n  check: 42\n");
        List<InputError> errors = errorsOf(book);
        assertThat(errors).extracting(InputError::field).containsExactly("phases.build", "phases.check");
        assertThat(errors.get(0).message()).contains("a phase must be a string").contains("found a list");
        assertThat(errors.get(1).location().line()).isEqualTo(4);
    }

    @Test
    void wrongTypesAreReportedWithWhatWasFound() {
        BookFixture book = new BookFixture(dir).recipe("a", "version: '1'\nparallel_jobs: lots\nsbu: [1]\n");
        List<InputError> errors = errorsOf(book);
        assertThat(errors)
                .extracting(InputError::toString)
                .anySatisfy(s -> assertThat(s).contains("parallel_jobs: expected a whole number, found a string"))
                .anySatisfy(s -> assertThat(s).contains("sbu: expected a number, found a list"));
    }

    @Test
    void everyErrorOfTheBookIsReportedTogetherInFileOrder() {
        BookFixture book = new BookFixture(dir)
                .simple("glib", "2.70", "")
                .recipe("a", "version: '1'\nsbu: -1\nphases: {build: 1}\n")
                .recipe(
                        "b",
                        "version: '1'\ndepends: {required: [nope, 'glib >= 3']}\nsources: [{url: 'http://x/y.tgz'}]\n")
                .recipe("c", "versoin: '1'\n");
        List<InputError> errors = errorsOf(book);
        assertThat(errors).hasSize(7);
        assertThat(errors)
                .extracting(e -> e.location().file().getFileName().toString())
                .containsExactly("a.yaml", "a.yaml", "b.yaml", "b.yaml", "b.yaml", "c.yaml", "c.yaml");
        assertThat(errors.get(5).message()).contains("unknown field");
        assertThat(errors.get(6).field()).isEqualTo("version");
    }

    @Test
    void yamlSyntaxErrorsNameTheLineAndTheOtherFilesStillGetChecked() {
        BookFixture book = new BookFixture(dir)
                .recipe("a", "version: '1'\nphases: {build: make\n")
                .recipe("b", "version: '1'\nsbu: -2\n");
        List<InputError> errors = errorsOf(book);
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0).message()).startsWith("cannot parse");
        assertThat(errors.get(0).location().line()).isGreaterThan(0);
        assertThat(errors.get(1).field()).isEqualTo("sbu");
    }

    @Test
    void contentAfterTheDocumentIsAnErrorNotSilentlyDropped() {
        // "sbu" at column 1 ends the mapping that "version" and "phases" opened at column 3
        BookFixture book = new BookFixture(dir)
                .recipe("a", "  version: '1'\n  phases:\n    build: make\nsbu: 50\n  install: make install\n");
        InputError e = only(errorsOf(book));
        assertThat(e.location().line()).isGreaterThanOrEqualTo(4);
        assertThat(e.message())
                .satisfiesAnyOf(
                        m -> assertThat(m).contains("unexpected content after the end of the document"),
                        m -> assertThat(m).startsWith("cannot parse"));
    }

    @Test
    void duplicateYamlKeysAreReported() {
        BookFixture book = new BookFixture(dir).recipe("a", "version: '1'\nsbu: 1\nsbu: 2\n");
        InputError e = only(errorsOf(book));
        assertThat(e.location().line()).isEqualTo(3);
        assertThat(e.message()).contains("duplicate key (first given at line 2)");
    }

    @Test
    void profilesReferToPackagesOfTheBook() {
        BookFixture book = new BookFixture(dir)
                .book(
                        "name: b\ndefault_profile: full\nprofiles:\n  full:\n    optional: [docs, tset]\n    break_cycles: ['a -> zz']\n")
                .simple("a", "1", "")
                .simple("docs", "1", "");
        List<InputError> errors = errorsOf(book);
        assertThat(errors)
                .extracting(InputError::message)
                .containsExactly("unknown package 'tset'", "unknown package 'zz'");
        assertThat(errors.get(0).location().line()).isEqualTo(5);
    }

    @Test
    void missingFarmYamlOrPackagesFolderIsExplained() {
        assertThatThrownBy(() -> BookLoader.load(dir))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("no farm.yaml here");
        new BookFixture(dir);
        assertThatThrownBy(() -> BookLoader.load(dir))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("no packages/ folder");
    }

    @Test
    void optionalDependenciesOutsideTheBookAreDroppedUnlessEnabled() throws Exception {
        BookFixture book = new BookFixture(dir).simple("a", "1", "optional: [gtk-doc], required: []");
        Book loaded = BookLoader.load(book.root());
        assertThat(loaded.recipe("a").orElseThrow().depends(DependencyClass.OPTIONAL))
                .isEmpty();
    }
}
