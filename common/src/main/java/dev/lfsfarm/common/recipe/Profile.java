package dev.lfsfarm.common.recipe;

import dev.lfsfarm.common.input.Location;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A way to build a book: which dependency classes order the build, which optional dependencies are
 * on, whether tests run, extra environment and cycle-breaking rules.
 *
 * @param name the profile's name in farm.yaml
 * @param recommended whether recommended dependencies are part of the build (default true)
 * @param optional ids of optional dependencies that are enabled
 * @param skipCheck skip the {@code check} phase
 * @param env extra environment for every phase (CFLAGS, MAKEFLAGS, ...)
 * @param breakCycles edges to drop to break cycles, written "a -> b"
 * @param breakAllCycles drop the weakest edge of every cycle, as {@code --break-cycles} does
 * @param sbuReference id of the recipe that defines 1 SBU's worth of work for {@code farm calibrate}
 *     ({@code sbu_reference}; binutils pass 1 in LFS), or null when the profile names none
 */
public record Profile(
        String name,
        boolean recommended,
        Set<String> optional,
        boolean skipCheck,
        Map<String, String> env,
        List<EdgeRule> breakCycles,
        boolean breakAllCycles,
        String sbuReference) {

    /** The profile used when a book defines none: recommended on, no optional, checks run. */
    public static final Profile DEFAULT = new Profile("default", true, Set.of(), false, Map.of(), List.of(), false);

    /** An edge named in {@code break_cycles}: drop the dependency of {@code from} on {@code to}. */
    public record EdgeRule(String from, String to, Location location) {
        @Override
        public String toString() {
            return from + " -> " + to;
        }
    }

    public Profile {
        optional = Set.copyOf(optional);
        env = Map.copyOf(env);
        breakCycles = List.copyOf(breakCycles);
    }

    /** A profile that names no SBU reference package. */
    public Profile(
            String name,
            boolean recommended,
            Set<String> optional,
            boolean skipCheck,
            Map<String, String> env,
            List<EdgeRule> breakCycles,
            boolean breakAllCycles) {
        this(name, recommended, optional, skipCheck, env, breakCycles, breakAllCycles, null);
    }

    /** Whether edges of this class order the build (runtime never orders it). */
    public boolean orders(Dependency dependency) {
        return switch (dependency.dependencyClass()) {
            case REQUIRED -> true;
            case RECOMMENDED -> recommended;
            case OPTIONAL -> optional.contains(dependency.target());
            case RUNTIME -> false;
        };
    }

    /** Whether the dependency pulls its target into the build. */
    public boolean includes(Dependency dependency) {
        return dependency.dependencyClass() == DependencyClass.RUNTIME || orders(dependency);
    }
}
