package dev.lfsfarm.common.wire;

import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.input.Location;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.recipe.Dependency;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.recipe.Phase;
import dev.lfsfarm.common.recipe.Profile;
import dev.lfsfarm.common.recipe.Recipe;
import dev.lfsfarm.common.recipe.Resources;
import dev.lfsfarm.common.recipe.Source;
import dev.lfsfarm.proto.v1.Dependencies;
import dev.lfsfarm.proto.v1.DependencyRef;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.RecipeResources;
import dev.lfsfarm.proto.v1.RecipeSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Converts books between the domain model and {@code farm.v1.Book}. A path source travels as the
 * digest of its upload; in the domain model that digest sits in {@link Source#sha256()}.
 */
public final class BookMessages {
    private BookMessages() {}

    /** The book as submitted; {@code uploads} maps each path source to its uploaded digest and kind. */
    public static dev.lfsfarm.proto.v1.Book toProto(Book book, Map<String, PathUpload> uploads) {
        dev.lfsfarm.proto.v1.Book.Builder b =
                dev.lfsfarm.proto.v1.Book.newBuilder().setName(book.name());
        for (Recipe r : book.recipes()) {
            b.addRecipes(toProto(r, uploads));
        }
        for (Profile p : book.profiles().values()) {
            b.addProfiles(toProto(p));
        }
        return b.build();
    }

    /** What {@code farm submit} uploaded for a path source. */
    public record PathUpload(Digest digest, boolean directory) {}

    static dev.lfsfarm.proto.v1.Recipe toProto(Recipe r, Map<String, PathUpload> uploads) {
        dev.lfsfarm.proto.v1.Recipe.Builder b = dev.lfsfarm.proto.v1.Recipe.newBuilder()
                .setId(r.id())
                .setName(r.name())
                .setVersion(r.version())
                .setSbu(r.sbu())
                .setParallelJobs(r.parallelJobs())
                .setResources(RecipeResources.newBuilder()
                        .setMemoryMb(r.resources().memoryMb())
                        .setDiskMb(r.resources().diskMb()))
                .putAllLabels(r.labels())
                .putAllEnv(r.env());
        for (Source s : r.sources()) {
            RecipeSource.Builder source = RecipeSource.newBuilder().setFileName(s.fileName());
            if (s.isUrl()) {
                source.setUrl(s.url());
                if (s.sha256() != null) {
                    source.setSha256(s.sha256());
                }
                if (s.md5() != null) {
                    source.setMd5(s.md5());
                }
            } else {
                PathUpload upload = uploads.get(s.path());
                source.setPath(s.path());
                if (upload != null) {
                    source.setPathDigest(upload.digest()).setPathIsDirectory(upload.directory());
                }
            }
            b.addSources(source);
        }
        Dependencies.Builder deps = Dependencies.newBuilder();
        r.depends(DependencyClass.REQUIRED).forEach(d -> deps.addRequired(ref(d)));
        r.depends(DependencyClass.RECOMMENDED).forEach(d -> deps.addRecommended(ref(d)));
        r.depends(DependencyClass.OPTIONAL).forEach(d -> deps.addOptional(ref(d)));
        r.depends(DependencyClass.RUNTIME).forEach(d -> deps.addRuntime(ref(d)));
        b.setDepends(deps);
        r.phases().forEach((phase, script) -> b.putPhases(phase.key(), script));
        return b.build();
    }

    private static DependencyRef ref(Dependency d) {
        return DependencyRef.newBuilder()
                .setPackageId(d.target())
                .setConstraint(d.constraint().isAny() ? "" : d.constraint().toString())
                .build();
    }

    static dev.lfsfarm.proto.v1.Profile toProto(Profile p) {
        dev.lfsfarm.proto.v1.Profile.Builder b = dev.lfsfarm.proto.v1.Profile.newBuilder()
                .setName(p.name())
                .setExcludeRecommended(!p.recommended())
                .addAllEnabledOptional(p.optional())
                .setSkipCheck(p.skipCheck())
                .putAllEnv(p.env())
                .setBreakCycles(p.breakAllCycles());
        for (Profile.EdgeRule rule : p.breakCycles()) {
            b.addDropEdges(dev.lfsfarm.proto.v1.DependencyEdge.newBuilder()
                    .setPackageId(rule.from())
                    .setDependsOn(rule.to()));
        }
        if (p.sbuReference() != null) {
            b.setSbuReference(p.sbuReference());
        }
        return b.build();
    }

    /**
     * The submitted book, checked as {@link dev.lfsfarm.common.recipe.BookLoader} checks a folder.
     *
     * @param origin a name for error messages, e.g. "submitted book demo"
     * @throws InputException listing every problem
     */
    public static Book fromProto(dev.lfsfarm.proto.v1.Book book, String origin) throws InputException {
        Path source = Path.of(origin);
        List<InputError> errors = new ArrayList<>();
        List<Recipe> recipes = new ArrayList<>();
        for (int i = 0; i < book.getRecipesCount(); i++) {
            Recipe r = fromProto(book.getRecipes(i), new Location(source, 0, 0), "recipes[" + i + "]", errors);
            if (r != null) {
                recipes.add(r);
            }
        }
        Map<String, Profile> profiles = new LinkedHashMap<>();
        for (dev.lfsfarm.proto.v1.Profile p : book.getProfilesList()) {
            profiles.put(p.getName(), fromProto(p, source));
        }
        if (!errors.isEmpty()) {
            throw new InputException(errors);
        }
        String defaultProfile = profiles.containsKey(Profile.DEFAULT.name()) || profiles.isEmpty()
                ? Profile.DEFAULT.name()
                : profiles.keySet().iterator().next();
        return Book.checked(source, book.getName(), defaultProfile, profiles, recipes);
    }

    private static Recipe fromProto(dev.lfsfarm.proto.v1.Recipe r, Location at, String field, List<InputError> errors) {
        if (!Recipe.isValidId(r.getId())) {
            errors.add(new InputError(at, field + ".id", "'" + r.getId() + "' is not a valid package id"));
            return null;
        }
        Location here = new Location(Path.of(at.file() + "#" + r.getId()), 0, 0);
        Map<DependencyClass, List<Dependency>> depends = new EnumMap<>(DependencyClass.class);
        depends.put(
                DependencyClass.REQUIRED,
                deps(r.getDepends().getRequiredList(), DependencyClass.REQUIRED, here, errors));
        depends.put(
                DependencyClass.RECOMMENDED,
                deps(r.getDepends().getRecommendedList(), DependencyClass.RECOMMENDED, here, errors));
        depends.put(
                DependencyClass.OPTIONAL,
                deps(r.getDepends().getOptionalList(), DependencyClass.OPTIONAL, here, errors));
        depends.put(
                DependencyClass.RUNTIME, deps(r.getDepends().getRuntimeList(), DependencyClass.RUNTIME, here, errors));
        List<Source> sources = new ArrayList<>();
        for (RecipeSource s : r.getSourcesList()) {
            if (s.hasUrl() || !s.getUrl().isEmpty()) {
                sources.add(new Source(s.getUrl(), null, emptyToNull(s.getSha256()), emptyToNull(s.getMd5()), here));
            } else if (!s.getPathDigest().getSha256().isEmpty()) {
                sources.add(new Source(null, s.getPath(), s.getPathDigest().getSha256(), null, here));
            } else {
                errors.add(new InputError(
                        here, "sources", "path source '" + s.getPath() + "' was not uploaded (no path_digest)"));
            }
        }
        Map<Phase, String> phases = new EnumMap<>(Phase.class);
        r.getPhasesMap().forEach((key, script) -> {
            try {
                phases.put(Phase.valueOf(key.toUpperCase(Locale.ROOT)), script);
            } catch (IllegalArgumentException e) {
                errors.add(new InputError(here, "phases." + key, "unknown phase"));
            }
        });
        if (r.getSbu() < 0 || r.getParallelJobs() < 1) {
            errors.add(new InputError(here, "sbu", "sbu must be >= 0 and parallel_jobs >= 1"));
        }
        Resources resources = new Resources(
                (int) r.getResources().getMemoryMb(), (int) r.getResources().getDiskMb());
        return new Recipe(
                r.getId(),
                r.getName().isEmpty() ? r.getId() : r.getName(),
                r.getVersion(),
                sources,
                depends,
                r.getSbu(),
                Math.max(1, r.getParallelJobs()),
                resources,
                r.getLabelsMap(),
                r.getEnvMap(),
                phases,
                here);
    }

    private static List<Dependency> deps(
            List<DependencyRef> refs, DependencyClass c, Location at, List<InputError> errors) {
        List<Dependency> result = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            String text = (refs.get(i).getPackageId() + " " + refs.get(i).getConstraint()).trim();
            String field = "depends." + c.key() + "[" + i + "]";
            try {
                result.add(Dependency.parse(text, c, at, field));
            } catch (IllegalArgumentException e) {
                errors.add(new InputError(at, field, e.getMessage()));
            }
        }
        return result;
    }

    private static Profile fromProto(dev.lfsfarm.proto.v1.Profile p, Path source) {
        List<Profile.EdgeRule> rules = new ArrayList<>();
        p.getDropEdgesList()
                .forEach(e -> rules.add(new Profile.EdgeRule(e.getPackageId(), e.getDependsOn(), Location.of(source))));
        return new Profile(
                p.getName(),
                !p.getExcludeRecommended(),
                new java.util.LinkedHashSet<>(p.getEnabledOptionalList()),
                p.getSkipCheck(),
                p.getEnvMap(),
                rules,
                p.getBreakCycles(),
                emptyToNull(p.getSbuReference()));
    }

    private static String emptyToNull(String s) {
        return s.isEmpty() ? null : s;
    }
}
