package dev.lfsfarm.common.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VersionConstraintTest {

    @ParameterizedTest
    @CsvSource({
        "2.76, 2.76.1, -1",
        "1.10, 1.9, 1",
        "9.5, 9.5p1, -1",
        "1.0.1, 1.0a, 1",
        "2.76, 2.076, 0",
        "6.14, 6.14, 0",
        "3.0.0, 3, 1",
        "1.2.3-rc1, 1.2.3, 1",
        "20240101, 20231231, 1"
    })
    void comparesLikeDistributions(String a, String b, int expected) {
        assertThat(Integer.signum(Version.parse(a).compareTo(Version.parse(b)))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                ">= 2.76 | 2.76 | true",
                ">= 2.76 | 2.74.1 | false",
                "= 1.3.7 | 1.3.7 | true",
                "== 1.3.7 | 1.3.8 | false",
                "< 3 | 2.99 | true",
                "< 3 | 3.0 | false",
                ">= 2.76, < 3 | 2.80 | true",
                ">= 2.76, < 3 | 3.1 | false",
                ">=2.76 <3 | 2.90 | true",
                ">=2.76 <3 | 2.9 | false",
                "!= 1.0 | 1.0 | false",
                "> 1.0 | 1.0.1 | true",
                "<= 1 | 1.0.0 | false"
            })
    void evaluatesClausesAndRanges(String constraint, String version, boolean accepted) {
        assertThat(VersionConstraint.parse(constraint).accepts(Version.parse(version)))
                .isEqualTo(accepted);
    }

    @Test
    void emptyConstraintAcceptsAnything() {
        assertThat(VersionConstraint.parse("  ").isAny()).isTrue();
        assertThat(VersionConstraint.parse("").accepts(Version.parse("0.1"))).isTrue();
    }

    @Test
    void rejectsMalformedConstraintsWithAReason() {
        assertThatThrownBy(() -> VersionConstraint.parse("about 2"))
                .hasMessageContaining("bad version constraint 'about 2'");
        assertThatThrownBy(() -> VersionConstraint.parse(">= 2,")).hasMessageContaining("ends with a comma");
        assertThatThrownBy(() -> VersionConstraint.parse(">= x.y")).hasMessageContaining("'x.y' is not a version");
    }
}
