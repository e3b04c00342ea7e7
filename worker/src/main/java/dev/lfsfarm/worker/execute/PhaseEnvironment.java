package dev.lfsfarm.worker.execute;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The complete environment of a phase: the contract (docs/architecture.md, The phase environment),
 * then the profile's {@code env},
 * then the recipe's {@code env} (the recipe wins).
 *
 * <p>Exactly these variables, and nothing from the worker's own environment, reach the phase (the
 * runner clears the process environment first). Why so strict: a build that silently picks up the
 * worker's {@code PKG_CONFIG_PATH}, {@code CFLAGS} or {@code JAVA_HOME} is not reproducible on
 * another worker, and a worker's environment may hold secrets (tokens, {@code SSH_AUTH_SOCK}).
 *
 * <p>The contract, with {@code S} = the sysroot:
 *
 * <table>
 *   <caption>Variables of every phase</caption>
 *   <tr><td>DESTDIR</td><td>workspace {@code dest/}</td></tr>
 *   <tr><td>FARM_SYSROOT</td><td>S</td></tr>
 *   <tr><td>FARM_SOURCES</td><td>workspace {@code sources/}</td></tr>
 *   <tr><td>FARM_JOBS</td><td>cores granted</td></tr>
 *   <tr><td>MAKEFLAGS</td><td>-j$FARM_JOBS</td></tr>
 *   <tr><td>PATH</td><td>S/usr/bin:S/usr/sbin:S/bin:S/sbin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin</td></tr>
 *   <tr><td>PKG_CONFIG_SYSROOT_DIR</td><td>S</td></tr>
 *   <tr><td>PKG_CONFIG_LIBDIR</td><td>S/usr/lib/pkgconfig:S/usr/share/pkgconfig:S/lib/pkgconfig</td></tr>
 *   <tr><td>CPPFLAGS</td><td>-IS/usr/include</td></tr>
 *   <tr><td>LDFLAGS</td><td>-LS/usr/lib -Wl,-rpath-link,S/usr/lib -LS/lib -Wl,-rpath-link,S/lib</td></tr>
 *   <tr><td>LD_LIBRARY_PATH</td><td>S/usr/lib:S/lib</td></tr>
 *   <tr><td>CMAKE_PREFIX_PATH</td><td>S/usr:S</td></tr>
 *   <tr><td>HOME</td><td>workspace {@code home/} (empty, private)</td></tr>
 *   <tr><td>TMPDIR</td><td>workspace {@code tmp/}</td></tr>
 *   <tr><td>LC_ALL</td><td>C: the POSIX locale the LFS book builds in; stable messages, sort order and
 *       number formats whatever the worker's locale, and present on every host</td></tr>
 *   <tr><td>SHELL</td><td>/bin/bash</td></tr>
 *   <tr><td>TERM</td><td>dumb: no colour escapes or curses output in logs</td></tr>
 * </table>
 *
 * <p>Bash itself adds {@code PWD}, {@code SHLVL} and {@code _} to what a phase sees.
 *
 * <p>The profile and the recipe may override or add anything except {@link #PROTECTED}
 * ({@code DESTDIR} and every {@code FARM_*} name): those say where the worker looks for the result
 * and what it granted, so an override is ignored with a warning (see {@link #ignored()}). Values are
 * literal: no {@code $VAR} expansion happens here; refer to the contract variables inside the phase
 * script instead.
 */
public final class PhaseEnvironment {

    /** Variables the profile and recipe cannot override: {@code DESTDIR} and the {@code FARM_} prefix. */
    public static final Set<String> PROTECTED = Set.of("DESTDIR", "FARM_SYSROOT", "FARM_SOURCES", "FARM_JOBS");

    /** The host part of PATH, after the sysroot's folders. */
    public static final String HOST_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";

    private static final Logger log = LoggerFactory.getLogger(PhaseEnvironment.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Map<String, String> variables;
    private final List<String> ignored;

    private PhaseEnvironment(Map<String, String> variables, List<String> ignored) {
        this.variables = Collections.unmodifiableMap(new TreeMap<>(variables));
        this.ignored = List.copyOf(ignored);
    }

    /**
     * The environment of the phases of an attempt.
     *
     * @param workspace the attempt's workspace (dest, sysroot, sources, home, tmp)
     * @param jobs cores granted (FARM_JOBS), at least 1
     * @param profileEnv the profile's env, applied over the contract
     * @param recipeEnv the recipe's env, applied over the profile's
     */
    public static PhaseEnvironment of(
            Workspace workspace, int jobs, Map<String, String> profileEnv, Map<String, String> recipeEnv) {
        return of(
                workspace.dest(),
                workspace.sysroot(),
                workspace.sources(),
                workspace.home(),
                workspace.tmp(),
                jobs,
                profileEnv,
                recipeEnv);
    }

    /** As {@link #of(Workspace, int, Map, Map)} with explicit folders. */
    public static PhaseEnvironment of(
            Path dest,
            Path sysroot,
            Path sources,
            Path home,
            Path tmp,
            int jobs,
            Map<String, String> profileEnv,
            Map<String, String> recipeEnv) {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be >= 1, got " + jobs);
        }
        String s = sysroot.toAbsolutePath().normalize().toString();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DESTDIR", dest.toAbsolutePath().normalize().toString());
        env.put("FARM_SYSROOT", s);
        env.put("FARM_SOURCES", sources.toAbsolutePath().normalize().toString());
        env.put("FARM_JOBS", Integer.toString(jobs));
        env.put("MAKEFLAGS", "-j" + jobs);
        env.put("PATH", s + "/usr/bin:" + s + "/usr/sbin:" + s + "/bin:" + s + "/sbin:" + HOST_PATH);
        env.put("PKG_CONFIG_SYSROOT_DIR", s);
        env.put("PKG_CONFIG_LIBDIR", s + "/usr/lib/pkgconfig:" + s + "/usr/share/pkgconfig:" + s + "/lib/pkgconfig");
        env.put("CPPFLAGS", "-I" + s + "/usr/include");
        env.put(
                "LDFLAGS",
                "-L" + s + "/usr/lib -Wl,-rpath-link," + s + "/usr/lib -L" + s + "/lib -Wl,-rpath-link," + s + "/lib");
        env.put("LD_LIBRARY_PATH", s + "/usr/lib:" + s + "/lib");
        env.put("CMAKE_PREFIX_PATH", s + "/usr:" + s);
        env.put("HOME", home.toAbsolutePath().normalize().toString());
        env.put("TMPDIR", tmp.toAbsolutePath().normalize().toString());
        env.put("LC_ALL", "C");
        env.put("SHELL", "/bin/bash");
        env.put("TERM", "dumb");
        List<String> ignored = new ArrayList<>();
        apply(env, profileEnv, "profile", ignored);
        apply(env, recipeEnv, "recipe", ignored);
        return new PhaseEnvironment(env, ignored);
    }

    /** Whether {@code name} may not be set by a profile or recipe. */
    public static boolean isProtected(String name) {
        return PROTECTED.contains(name) || name.startsWith("FARM_");
    }

    private static void apply(Map<String, String> env, Map<String, String> extra, String layer, List<String> ignored) {
        if (extra == null) {
            return;
        }
        for (Map.Entry<String, String> e : new TreeMap<>(extra).entrySet()) {
            String name = e.getKey();
            String value = e.getValue() == null ? "" : e.getValue();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(layer + " env: '" + name + "' is not a valid variable name");
            }
            if (value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException(layer + " env: the value of " + name + " contains a NUL byte");
            }
            if (isProtected(name)) {
                log.warn("{} env sets {}, which the worker owns: ignored", layer, name);
                ignored.add(layer + ":" + name);
                continue;
            }
            env.put(name, value);
        }
    }

    /** Every variable, sorted by name. */
    public Map<String, String> variables() {
        return variables;
    }

    /** A variable's value, or null. */
    public String get(String name) {
        return variables.get(name);
    }

    /** Overrides that were refused, as {@code layer:NAME} (e.g. {@code recipe:DESTDIR}). */
    public List<String> ignored() {
        return ignored;
    }

    @Override
    public String toString() {
        return variables.toString();
    }
}
