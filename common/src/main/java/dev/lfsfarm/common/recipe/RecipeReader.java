package dev.lfsfarm.common.recipe;

import dev.lfsfarm.common.input.ErrorCollector;
import dev.lfsfarm.common.input.ListNode;
import dev.lfsfarm.common.input.Location;
import dev.lfsfarm.common.input.MapReader;
import dev.lfsfarm.common.input.Node;
import dev.lfsfarm.common.input.ScalarNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Turns one recipe document ({@code packages/<id>.yaml}) into a {@link Recipe}, reporting every problem. */
final class RecipeReader {
    static final Set<String> RECIPE_KEYS = Set.of(
            "id",
            "name",
            "version",
            "sources",
            "depends",
            "sbu",
            "parallel_jobs",
            "resources",
            "labels",
            "env",
            "phases");
    static final Set<String> RESOURCE_KEYS = Set.of("memory_mb", "disk_mb");
    private static final Set<String> SOURCE_KEYS = Set.of("url", "path", "sha256", "md5");
    private static final Set<String> URL_SCHEMES = Set.of("http", "https", "ftp", "file");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern HEX32 = Pattern.compile("[0-9a-fA-F]{32}");

    private final Path bookRoot;
    private final RecipeDefaults defaults;
    private final ErrorCollector errors;

    RecipeReader(Path bookRoot, RecipeDefaults defaults, ErrorCollector errors) {
        this.bookRoot = bookRoot;
        this.defaults = defaults;
        this.errors = errors;
    }

    /** Reads the recipe in {@code document}; {@code fileId} is the id implied by the file name. */
    Recipe read(Node document, String fileId, Location fileLocation) {
        MapReader r = MapReader.of(document, "", errors, RECIPE_KEYS);
        String id = r.string("id", fileId);
        if (id != null && !Recipe.isValidId(id)) {
            errors.add(
                    r.has("id") ? r.locationOf("id") : fileLocation,
                    "id",
                    "'" + id
                            + "' is not a valid package id (letters, digits, '.', '_', '+', '-'; starting with a letter or digit)");
        }
        String version = r.requiredString("version");
        if (version != null) {
            checkVersion(r, version);
        }
        Resources resources = readResources(r.map("resources", RESOURCE_KEYS), defaults.resources());
        Map<String, String> env = new LinkedHashMap<>(defaults.env());
        env.putAll(r.stringMap("env"));
        Map<String, String> labels = new LinkedHashMap<>(defaults.labels());
        labels.putAll(r.stringMap("labels"));
        return new Recipe(
                id,
                r.string("name", id),
                version == null ? "" : version,
                readSources(r),
                readDepends(r),
                r.number("sbu", defaults.sbu(), 0),
                r.integer("parallel_jobs", defaults.parallelJobs(), 1),
                resources,
                labels,
                env,
                readPhases(r),
                fileLocation);
    }

    static Resources readResources(MapReader r, Resources fallback) {
        return new Resources(
                r.integer("memory_mb", fallback.memoryMb(), 0), r.integer("disk_mb", fallback.diskMb(), 0));
    }

    private void checkVersion(MapReader r, String version) {
        try {
            dev.lfsfarm.common.version.Version.parse(version);
        } catch (IllegalArgumentException e) {
            r.error("version", e.getMessage());
        }
    }

    private Map<DependencyClass, List<Dependency>> readDepends(MapReader r) {
        Set<String> keys = new java.util.HashSet<>();
        for (DependencyClass c : DependencyClass.values()) {
            keys.add(c.key());
        }
        MapReader depends = r.map("depends", keys);
        Map<DependencyClass, List<Dependency>> result = new EnumMap<>(DependencyClass.class);
        for (DependencyClass c : DependencyClass.values()) {
            result.put(
                    c,
                    DependencyListReader.read(depends.stringList(c.key()), depends.field(c.key()), c, errors, false));
        }
        return result;
    }

    private List<Source> readSources(MapReader r) {
        Node node = r.raw("sources");
        if (node == null || (node instanceof ScalarNode s && s.type() == ScalarNode.Type.NULL)) {
            return List.of();
        }
        if (!(node instanceof ListNode list)) {
            r.error("sources", "expected a list of sources, found " + node.kind());
            return List.of();
        }
        List<Source> sources = new ArrayList<>();
        for (int i = 0; i < list.items().size(); i++) {
            Source source = readSource(MapReader.of(list.items().get(i), "sources[" + i + "]", errors, SOURCE_KEYS));
            if (source != null) {
                sources.add(source);
            }
        }
        return sources;
    }

    private Source readSource(MapReader s) {
        String url = s.string("url", null);
        String path = s.string("path", null);
        String sha256 = s.string("sha256", null);
        String md5 = s.string("md5", null);
        if ((url == null) == (path == null)) {
            errors.add(s.location(), s.field("url"), "a source needs exactly one of 'url' or 'path'");
            return null;
        }
        if (sha256 != null && !HEX64.matcher(sha256).matches()) {
            s.error("sha256", "must be 64 hexadecimal digits");
        }
        if (md5 != null && !HEX32.matcher(md5).matches()) {
            s.error("md5", "must be 32 hexadecimal digits");
        }
        if (url != null) {
            checkUrl(s, url, sha256, md5);
        } else {
            checkPath(s, path);
        }
        return new Source(url, path, lower(sha256), lower(md5), s.locationOf(url != null ? "url" : "path"));
    }

    private void checkUrl(MapReader s, String url, String sha256, String md5) {
        int colon = url.indexOf("://");
        String scheme = colon < 0 ? "" : url.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!URL_SCHEMES.contains(scheme)) {
            s.error("url", "'" + url + "' is not an http, https, ftp or file URL");
        }
        if (sha256 == null && md5 == null) {
            errors.add(
                    s.locationOf("url"),
                    s.field("sha256"),
                    "missing checksum: a url source needs sha256 (or md5, as the LFS md5sums give)");
        }
    }

    private void checkPath(MapReader s, String path) {
        Path relative = Path.of(path).normalize();
        if (Path.of(path).isAbsolute() || relative.startsWith("..")) {
            s.error("path", "'" + path + "' must be a relative path inside the book");
        } else if (bookRoot != null && !Files.exists(bookRoot.resolve(relative))) {
            s.error("path", "'" + path + "' does not exist in the book (" + bookRoot.resolve(relative) + ")");
        }
    }

    private Map<Phase, String> readPhases(MapReader r) {
        Set<String> keys = new java.util.HashSet<>();
        for (Phase p : Phase.values()) {
            keys.add(p.key());
        }
        MapReader phases = r.map("phases", keys);
        Map<Phase, String> result = new EnumMap<>(Phase.class);
        for (Phase p : Phase.values()) {
            Node value = phases.raw(p.key());
            if (value == null || (value instanceof ScalarNode s && s.type() == ScalarNode.Type.NULL)) {
                continue;
            }
            if (value instanceof ScalarNode s && s.type() == ScalarNode.Type.STRING) {
                if (!s.text().isBlank()) {
                    result.put(p, s.text());
                }
            } else {
                phases.error(p.key(), "a phase must be a string (a bash script), found " + value.kind());
            }
        }
        return result;
    }

    private static String lower(String hex) {
        return hex == null ? null : hex.toLowerCase(Locale.ROOT);
    }
}
