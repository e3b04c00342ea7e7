package dev.lfsfarm.common.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.testing.BookFixture;
import dev.lfsfarm.common.wire.BookMessages;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A profile's {@code sbu_reference}: read from farm.yaml, checked against the book, carried over the wire. */
class SbuReferenceProfileTest {
    @TempDir
    Path dir;

    private BookFixture book(String profileLines) {
        return new BookFixture(dir)
                .book("name: b\nprofiles:\n  default:\n" + profileLines)
                .recipe("binutils-pass1", "version: '2.44'\nsbu: 1\nphases: {build: make}\n")
                .recipe("zero", "version: '1'\nsbu: 0\nphases: {build: make}\n");
    }

    private static InputError onlyError(BookFixture book) {
        try {
            BookLoader.load(book.root());
        } catch (InputException e) {
            assertThat(e.errors()).hasSize(1);
            return e.errors().get(0);
        }
        throw new AssertionError("the book loaded without errors");
    }

    private String farmYaml() {
        return dir.resolve("farm.yaml").toAbsolutePath().normalize().toString();
    }

    @Test
    void aProfileNamesItsReferencePackage() throws Exception {
        Book loaded = BookLoader.load(book("    sbu_reference: binutils-pass1\n  quick:\n    skip_check: true\n")
                .root());
        assertThat(loaded.profile("default").sbuReference()).isEqualTo("binutils-pass1");
        assertThat(loaded.profile("quick").sbuReference()).isNull();
        assertThat(Profile.DEFAULT.sbuReference()).isNull();
    }

    @Test
    void anIdThatIsNotInTheBookNamesFileLineFieldAndAHint() {
        InputError e = onlyError(book("    skip_check: false\n    sbu_reference: binutils-pas1\n"));
        assertThat(e.toString())
                .isEqualTo(farmYaml() + ":5:20: profiles.default.sbu_reference: unknown package "
                        + "'binutils-pas1' (did you mean 'binutils-pass1'?)");
    }

    @Test
    void aNonStringValueIsRejectedWithWhatWasFound() {
        InputError e = onlyError(book("    sbu_reference: [binutils-pass1]\n"));
        assertThat(e.toString())
                .isEqualTo(farmYaml() + ":4:20: profiles.default.sbu_reference: "
                        + "expected a package id (a string), found a list");
        InputError number = onlyError(book("    sbu_reference: 1\n"));
        assertThat(number.toString())
                .endsWith(":4:20: profiles.default.sbu_reference: "
                        + "expected a package id (a string), found an integer");
    }

    @Test
    void aValueThatCannotBeAnIdIsRejected() {
        InputError e = onlyError(book("    sbu_reference: 'binutils pass 1'\n"));
        assertThat(e.toString())
                .isEqualTo(farmYaml() + ":4:20: profiles.default.sbu_reference: "
                        + "'binutils pass 1' is not a package id");
    }

    @Test
    void aReferenceWorthNoSbuIsRejected() {
        InputError e = onlyError(book("    sbu_reference: zero\n"));
        assertThat(e.location().line()).isEqualTo(4);
        assertThat(e.field()).isEqualTo("profiles.default.sbu_reference");
        assertThat(e.message())
                .startsWith("package 'zero' has sbu 0 (")
                .endsWith("); an SBU reference needs sbu > 0 (1 for binutils pass 1)");
    }

    @Test
    void theReferenceTravelsOverTheWireAndIsCheckedThere() throws Exception {
        Book loaded =
                BookLoader.load(book("    sbu_reference: binutils-pass1\n").root());
        var wire = BookMessages.toProto(loaded, java.util.Map.of());
        assertThat(wire.getProfiles(0).getSbuReference()).isEqualTo("binutils-pass1");
        assertThat(BookMessages.fromProto(wire, "submitted book b")
                        .profile("default")
                        .sbuReference())
                .isEqualTo("binutils-pass1");

        var broken = wire.toBuilder()
                .setProfiles(0, wire.getProfiles(0).toBuilder().setSbuReference("gcc"))
                .build();
        try {
            BookMessages.fromProto(broken, "submitted book b");
            throw new AssertionError("a reference to a missing package was accepted");
        } catch (InputException e) {
            assertThat(e.errors())
                    .extracting(InputError::toString)
                    .containsExactly("submitted book b: profiles.default.sbu_reference: unknown package 'gcc'");
        }
    }

    @Test
    void theShippedReferenceBookIsOneSbuByDefinition() throws Exception {
        Book shipped = BookLoader.load(Path.of("../examples/sbu-reference"));
        String id = shipped.profile(null).sbuReference();
        assertThat(id).isEqualTo("sbu-reference");
        Recipe reference = shipped.recipe(id).orElseThrow();
        assertThat(reference.sbu()).isEqualTo(1.0);
        assertThat(reference.parallelJobs()).isEqualTo(1);
        assertThat(List.of(reference.phases().keySet().toArray()))
                .contains(Phase.CONFIGURE, Phase.BUILD, Phase.INSTALL);
    }
}
