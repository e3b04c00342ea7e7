package dev.lfsfarm.worker.execute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PhaseEnvironmentTest {

    private static final Path WS = Path.of("/w/a");

    private static PhaseEnvironment env(Map<String, String> profile, Map<String, String> recipe) {
        return PhaseEnvironment.of(
                WS.resolve("dest"),
                WS.resolve("sysroot"),
                WS.resolve("sources"),
                WS.resolve("home"),
                WS.resolve("tmp"),
                4,
                profile,
                recipe);
    }

    @Test
    void contractValues() {
        Map<String, String> v = env(Map.of(), Map.of()).variables();

        String s = "/w/a/sysroot";
        assertThat(v)
                .containsOnlyKeys(
                        "DESTDIR",
                        "FARM_SYSROOT",
                        "FARM_SOURCES",
                        "FARM_JOBS",
                        "MAKEFLAGS",
                        "PATH",
                        "PKG_CONFIG_SYSROOT_DIR",
                        "PKG_CONFIG_LIBDIR",
                        "CPPFLAGS",
                        "LDFLAGS",
                        "LD_LIBRARY_PATH",
                        "CMAKE_PREFIX_PATH",
                        "HOME",
                        "TMPDIR",
                        "LC_ALL",
                        "SHELL",
                        "TERM");
        assertThat(v)
                .containsEntry("DESTDIR", "/w/a/dest")
                .containsEntry("FARM_SYSROOT", s)
                .containsEntry("FARM_SOURCES", "/w/a/sources")
                .containsEntry("FARM_JOBS", "4")
                .containsEntry("MAKEFLAGS", "-j4")
                .containsEntry(
                        "PATH",
                        s + "/usr/bin:" + s + "/usr/sbin:" + s + "/bin:" + s
                                + "/sbin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
                .containsEntry("PKG_CONFIG_SYSROOT_DIR", s)
                .containsEntry(
                        "PKG_CONFIG_LIBDIR",
                        s + "/usr/lib/pkgconfig:" + s + "/usr/share/pkgconfig:" + s + "/lib/pkgconfig")
                .containsEntry("CPPFLAGS", "-I" + s + "/usr/include")
                .containsEntry(
                        "LDFLAGS",
                        "-L" + s + "/usr/lib -Wl,-rpath-link," + s + "/usr/lib -L" + s + "/lib -Wl,-rpath-link," + s
                                + "/lib")
                .containsEntry("LD_LIBRARY_PATH", s + "/usr/lib:" + s + "/lib")
                .containsEntry("CMAKE_PREFIX_PATH", s + "/usr:" + s)
                .containsEntry("HOME", "/w/a/home")
                .containsEntry("TMPDIR", "/w/a/tmp")
                .containsEntry("LC_ALL", "C")
                .containsEntry("SHELL", "/bin/bash")
                .containsEntry("TERM", "dumb");
    }

    @Test
    void recipeWinsOverProfileWhichWinsOverTheContract() {
        PhaseEnvironment e = env(
                Map.of("CFLAGS", "-O2", "MAKEFLAGS", "-j9 -k", "LC_ALL", "POSIX"),
                Map.of("CFLAGS", "-O3", "HELLO", "world"));

        assertThat(e.variables())
                .containsEntry("CFLAGS", "-O3")
                .containsEntry("MAKEFLAGS", "-j9 -k")
                .containsEntry("LC_ALL", "POSIX")
                .containsEntry("HELLO", "world");
        assertThat(e.ignored()).isEmpty();
    }

    @Test
    void destdirAndFarmVariablesCannotBeOverridden() {
        PhaseEnvironment e = env(
                Map.of("FARM_JOBS", "64"),
                Map.of("DESTDIR", "/", "FARM_SYSROOT", "/", "FARM_SOURCES", "/x", "FARM_OTHER", "1"));

        assertThat(e.get("DESTDIR")).isEqualTo("/w/a/dest");
        assertThat(e.get("FARM_SYSROOT")).isEqualTo("/w/a/sysroot");
        assertThat(e.get("FARM_SOURCES")).isEqualTo("/w/a/sources");
        assertThat(e.get("FARM_JOBS")).isEqualTo("4");
        assertThat(e.variables()).doesNotContainKey("FARM_OTHER");
        assertThat(e.ignored())
                .containsExactly(
                        "profile:FARM_JOBS",
                        "recipe:DESTDIR",
                        "recipe:FARM_OTHER",
                        "recipe:FARM_SOURCES",
                        "recipe:FARM_SYSROOT");
    }

    @Test
    void badNamesAndValuesAreRejected() {
        assertThatThrownBy(() -> env(Map.of(), Map.of("A=B", "x"))).hasMessageContaining("'A=B' is not a valid");
        assertThatThrownBy(() -> env(Map.of("1X", "x"), Map.of())).hasMessageContaining("profile env");
        assertThatThrownBy(() -> env(Map.of(), Map.of("X", "a\0b"))).hasMessageContaining("NUL");
        assertThatThrownBy(() -> PhaseEnvironment.of(WS, WS, WS, WS, WS, 0, Map.of(), Map.of()))
                .hasMessageContaining("jobs");
    }
}
