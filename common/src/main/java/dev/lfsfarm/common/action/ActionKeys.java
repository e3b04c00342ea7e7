package dev.lfsfarm.common.action;

import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.recipe.Phase;
import dev.lfsfarm.common.recipe.Profile;
import dev.lfsfarm.common.recipe.Recipe;
import dev.lfsfarm.common.recipe.Source;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Action keys: what identifies a build result. The key of a package is the sha256 of a canonical
 * text of everything that can change what it installs — id, version, source digests, phase
 * scripts, environment (recipe and profile), whether checks run, the target arch — and the keys
 * of its ordering dependencies (so a change rebuilds exactly the package and what depends on it).
 * Scheduling facts (sbu, cores granted, worker name) are left out: they do not change the result.
 */
public final class ActionKeys {
    /** Bumped when the canonical form changes, so old cache entries are simply never hit again. */
    static final String VERSION = "farm-action-v1";

    private ActionKeys() {}

    /** The key of every package of the graph, indexed like the graph. */
    public static String[] compute(ResolvedGraph graph, String arch) {
        Profile profile = graph.profile();
        String[] keys = new String[graph.size()];
        for (int node : graph.topologicalOrder()) {
            keys[node] = key(graph.recipe(node), profile, arch, dependencyKeys(graph, node, keys));
        }
        return keys;
    }

    private static Map<String, String> dependencyKeys(ResolvedGraph graph, int node, String[] keys) {
        Map<String, String> deps = new TreeMap<>();
        for (int d : graph.dependencies(node)) {
            deps.put(graph.id(d), keys[d]);
        }
        return deps;
    }

    /** The canonical text hashed into a key; kept readable so a cache miss can be explained by a diff. */
    public static String canonicalForm(
            Recipe recipe, Profile profile, String arch, Map<String, String> dependencyKeys) {
        StringBuilder text = new StringBuilder(VERSION).append('\n');
        line(text, "id", recipe.id());
        line(text, "version", recipe.version());
        line(text, "arch", arch);
        for (Source s : recipe.sources()) {
            line(
                    text,
                    "source",
                    s.isUrl()
                            ? "url " + s.url() + " sha256=" + s.sha256() + " md5=" + s.md5()
                            : "path " + s.path() + " sha256=" + s.sha256());
        }
        for (Phase p : Phase.values()) {
            if (p == Phase.CHECK && profile.skipCheck()) {
                continue;
            }
            String script = recipe.phases().get(p);
            if (script != null) {
                line(text, "phase " + p.key(), script);
            }
        }
        Map<String, String> env = new TreeMap<>(profile.env());
        env.putAll(recipe.env());
        env.forEach((k, v) -> line(text, "env " + k, v));
        line(text, "skip_check", String.valueOf(profile.skipCheck()));
        dependencyKeys.forEach((id, key) -> line(text, "dep " + id, key));
        return text.toString();
    }

    static String key(Recipe recipe, Profile profile, String arch, Map<String, String> dependencyKeys) {
        return sha256(canonicalForm(recipe, profile, arch, dependencyKeys));
    }

    /** Length-prefixed values, so no script can forge the line structure. */
    private static void line(StringBuilder text, String name, String value) {
        String v = value == null ? "" : value;
        text.append(name)
                .append(' ')
                .append(v.getBytes(StandardCharsets.UTF_8).length)
                .append(':')
                .append(v)
                .append('\n');
    }

    static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** The canonical name of this machine's arch ({@code amd64} → {@code x86_64}, as uname -m says). */
    public static String localArch() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64" -> "x86_64";
            case "arm64" -> "aarch64";
            default -> arch;
        };
    }
}
