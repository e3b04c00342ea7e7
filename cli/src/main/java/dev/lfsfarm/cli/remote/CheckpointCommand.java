package dev.lfsfarm.cli.remote;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.artifact.ArtifactExtractor;
import dev.lfsfarm.common.artifact.ManifestDifference;
import dev.lfsfarm.common.artifact.ManifestVerifier;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.CheckpointEntry;
import dev.lfsfarm.proto.v1.CheckpointServiceGrpc;
import dev.lfsfarm.proto.v1.CollectGarbageRequest;
import dev.lfsfarm.proto.v1.CollectGarbageResponse;
import dev.lfsfarm.proto.v1.CreateCheckpointRequest;
import dev.lfsfarm.proto.v1.CreateCheckpointResponse;
import dev.lfsfarm.proto.v1.DeleteCheckpointRequest;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.EntryType;
import dev.lfsfarm.proto.v1.GetCheckpointRequest;
import dev.lfsfarm.proto.v1.ListCheckpointsRequest;
import dev.lfsfarm.proto.v1.Manifest;
import dev.lfsfarm.proto.v1.ManifestEntry;
import dev.lfsfarm.worker.execute.FileTrees;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code farm checkpoint ...}: sysroot checkpoints, "the system as it stood after chapter 7".
 * A checkpoint names the artifacts of a build's packages up to one of them, in the order they are
 * unpacked; {@code verify} and {@code restore} download them here through ArtifactService.
 */
@Command(
        name = "checkpoint",
        mixinStandardHelpOptions = true,
        description = {
            "Sysroot checkpoints: the system a build produced up to a package.",
            "A checkpoint records the artifacts of the build's packages in topological",
            "order; restore unpacks them in that order. gc removes the artifacts nothing",
            "references any more."
        },
        subcommands = {
            CheckpointCommand.Create.class,
            CheckpointCommand.ListCheckpoints.class,
            CheckpointCommand.Show.class,
            CheckpointCommand.Verify.class,
            CheckpointCommand.Restore.class,
            CheckpointCommand.Delete.class,
            CheckpointCommand.Gc.class
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm checkpoint create lfs-ch7 --build 20261121-101500-3f2a --upto util-linux",
            "  farm checkpoint list",
            "  farm checkpoint verify lfs-ch7",
            "  farm checkpoint restore lfs-ch7 --to /mnt/lfs",
            "  farm checkpoint gc --keep 3 --dry-run"
        })
public final class CheckpointCommand {

    private CheckpointCommand() {}

    /** {@code farm checkpoint create}. */
    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = {
                "Record a checkpoint of a build up to a package.",
                "The checkpoint holds the build's packages in topological order up to and",
                "including --upto (every package without it). Each of them must be SUCCEEDED",
                "or CACHED; the build may still be running. Creating the same name for the",
                "same build and --upto again is harmless."
            },
            footerHeading = "%nExamples:%n",
            footer = {
                "  farm checkpoint create lfs-ch7 --build 20261121-101500-3f2a --upto util-linux",
                "  farm checkpoint create demo-full --build 20261121-101500-3f2a -o json"
            })
    public static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CoordinatorOptions coordinator;

        @Mixin
        Output output;

        @Parameters(
                index = "0",
                paramLabel = "NAME",
                description = "Name: 1 to 100 of A-Z a-z 0-9 . _ - (not '.' or '..').")
        String name;

        @Option(
                names = "--build",
                paramLabel = "BUILD",
                required = true,
                description = "Build to take the artifacts from.")
        String buildId;

        @Option(
                names = "--upto",
                paramLabel = "PKG",
                description = "Last package of the checkpoint (default: the whole build).")
        String upto;

        @Override
        public Integer call() throws Exception {
            CreateCheckpointResponse response = RemoteCall.with(
                    coordinator,
                    (stub, channel) -> checkpoints(channel)
                            .createCheckpoint(CreateCheckpointRequest.newBuilder()
                                    .setName(name)
                                    .setBuildId(buildId)
                                    .setUpto(upto == null ? "" : upto)
                                    .build()));
            PrintWriter out = spec.commandLine().getOut();
            Checkpoint c = response.getCheckpoint();
            if (output.json()) {
                Output.json(out, json -> {
                    json.writeStartObject();
                    writeCheckpoint(json, c, true);
                    json.writeBooleanField("created", response.getCreated());
                    json.writeEndObject();
                });
            } else {
                out.printf(
                        Locale.ROOT,
                        "%s %s: build %s, %s, %d packages, %s of artifacts%n",
                        response.getCreated() ? "Recorded checkpoint" : "Checkpoint already recorded:",
                        c.getName(),
                        c.getBuildId(),
                        c.getUpto().isEmpty() ? "whole build" : "up to " + c.getUpto(),
                        c.getPackageCount(),
                        size(c.getArtifactBytes()));
                out.flush();
            }
            return ExitCodes.OK;
        }
    }

    /** {@code farm checkpoint list}. */
    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List the checkpoints, newest first.",
            footerHeading = "%nExamples:%n",
            footer = {"  farm checkpoint list", "  farm checkpoint list -o json | jq -r '.checkpoints[].name'"})
    public static final class ListCheckpoints implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CoordinatorOptions coordinator;

        @Mixin
        Output output;

        @Override
        public Integer call() throws Exception {
            List<Checkpoint> all = RemoteCall.with(
                    coordinator,
                    (stub, channel) -> checkpoints(channel)
                            .listCheckpoints(ListCheckpointsRequest.getDefaultInstance())
                            .getCheckpointsList());
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                Output.json(out, json -> {
                    json.writeStartObject();
                    json.writeArrayFieldStart("checkpoints");
                    for (Checkpoint c : all) {
                        json.writeStartObject();
                        writeCheckpoint(json, c, false);
                        json.writeEndObject();
                    }
                    json.writeEndArray();
                    json.writeEndObject();
                });
                return ExitCodes.OK;
            }
            int width = Math.max(
                    4, all.stream().mapToInt(c -> c.getName().length()).max().orElse(4));
            out.printf(
                    Locale.ROOT,
                    "%-" + width + "s  %-22s %-16s %8s %10s  %s%n",
                    "NAME",
                    "BUILD",
                    "UPTO",
                    "PACKAGES",
                    "SIZE",
                    "CREATED");
            for (Checkpoint c : all) {
                out.printf(
                        Locale.ROOT,
                        "%-" + width + "s  %-22s %-16s %8d %10s  %s%n",
                        c.getName(),
                        c.getBuildId(),
                        c.getUpto().isEmpty() ? "(all)" : c.getUpto(),
                        c.getPackageCount(),
                        size(c.getArtifactBytes()),
                        created(c));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code farm checkpoint show}. */
    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Show a checkpoint and its packages in restore order.",
            footerHeading = "%nExamples:%n",
            footer = {"  farm checkpoint show lfs-ch7", "  farm checkpoint show lfs-ch7 -o json"})
    public static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CoordinatorOptions coordinator;

        @Mixin
        Output output;

        @Parameters(index = "0", paramLabel = "NAME", description = "Checkpoint name.")
        String name;

        @Override
        public Integer call() throws Exception {
            Checkpoint c = RemoteCall.with(coordinator, (stub, channel) -> get(channel, name));
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                Output.json(out, json -> {
                    json.writeStartObject();
                    writeCheckpoint(json, c, true);
                    json.writeEndObject();
                });
                return ExitCodes.OK;
            }
            out.printf(
                    Locale.ROOT,
                    "Checkpoint %s: build %s (%s), %s, %d packages, %s of artifacts, created %s%n",
                    c.getName(),
                    c.getBuildId(),
                    c.getBookName(),
                    c.getUpto().isEmpty() ? "whole build" : "up to " + c.getUpto(),
                    c.getPackageCount(),
                    size(c.getArtifactBytes()),
                    created(c));
            int width = Math.max(
                    7,
                    c.getEntriesList().stream()
                            .mapToInt(e -> e.getPackageId().length())
                            .max()
                            .orElse(7));
            out.printf(
                    Locale.ROOT,
                    "%n  %4s  %-" + width + "s  %-12s %10s  %s%n",
                    "#",
                    "PACKAGE",
                    "VERSION",
                    "SIZE",
                    "ARTIFACT");
            int n = 0;
            for (CheckpointEntry e : c.getEntriesList()) {
                out.printf(
                        Locale.ROOT,
                        "  %4d  %-" + width + "s  %-12s %10s  %s%n",
                        ++n,
                        e.getPackageId(),
                        e.getVersion(),
                        size(e.getArtifact().getSizeBytes()),
                        e.getArtifact().getSha256());
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    /** {@code farm checkpoint verify}. */
    @Command(
            name = "verify",
            mixinStandardHelpOptions = true,
            description = {
                "Check every artifact of a checkpoint against its digest and its manifest.",
                "Downloads every artifact and manifest here, checks each against its sha256,",
                "unpacks the artifact into a temporary folder and compares every file, folder",
                "and symlink with the manifest (type, mode, size, sha256, link target).",
                "Reports every problem; the exit status is 1 if there is any."
            },
            footerHeading = "%nExamples:%n",
            footer = {"  farm checkpoint verify lfs-ch7", "  farm checkpoint verify lfs-ch7 -o json"})
    public static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CoordinatorOptions coordinator;

        @Mixin
        Output output;

        @Parameters(index = "0", paramLabel = "NAME", description = "Checkpoint name.")
        String name;

        /** What was found for one package. */
        record Result(CheckpointEntry entry, List<String> problems) {}

        @Override
        public Integer call() throws Exception {
            List<Result> results = RemoteCall.with(coordinator, (stub, channel) -> {
                Checkpoint c = get(channel, name);
                List<Result> found = new ArrayList<>();
                for (CheckpointEntry e : c.getEntriesList()) {
                    found.add(new Result(e, check(channel, e)));
                }
                return found;
            });
            long failed = results.stream().filter(r -> !r.problems().isEmpty()).count();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                Output.json(out, json -> {
                    json.writeStartObject();
                    json.writeStringField("checkpoint", name);
                    json.writeBooleanField("ok", failed == 0);
                    json.writeNumberField("packages", results.size());
                    json.writeNumberField("failed", failed);
                    json.writeArrayFieldStart("results");
                    for (Result r : results) {
                        json.writeStartObject();
                        json.writeStringField("id", r.entry().getPackageId());
                        json.writeStringField("version", r.entry().getVersion());
                        json.writeStringField(
                                "artifact", r.entry().getArtifact().getSha256());
                        json.writeBooleanField("ok", r.problems().isEmpty());
                        json.writeArrayFieldStart("problems");
                        for (String p : r.problems()) {
                            json.writeString(p);
                        }
                        json.writeEndArray();
                        json.writeEndObject();
                    }
                    json.writeEndArray();
                    json.writeEndObject();
                });
            } else {
                for (Result r : results) {
                    out.printf(
                            Locale.ROOT,
                            "%-6s %s %s%n",
                            r.problems().isEmpty() ? "ok" : "FAILED",
                            r.entry().getPackageId(),
                            r.entry().getVersion());
                    r.problems().forEach(p -> out.println("         " + p));
                }
                out.printf(
                        Locale.ROOT,
                        "Checkpoint %s: %d packages, %d verified, %d failed%n",
                        name,
                        results.size(),
                        results.size() - failed,
                        failed);
                out.flush();
            }
            return failed == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
        }

        /** Every problem with one entry; empty when its artifact matches its digest and its manifest. */
        private static List<String> check(Channel channel, CheckpointEntry e) throws IOException {
            List<String> problems = new ArrayList<>();
            Path scratch = Files.createTempDirectory("farm-verify-");
            try {
                Path artifact = scratch.resolve("artifact.tar.gz");
                if (!fetch(channel, e.getArtifact(), artifact, "artifact", problems)) {
                    return problems;
                }
                Manifest manifest = manifest(channel, e, scratch, problems);
                if (manifest == null) {
                    return problems;
                }
                Path tree = scratch.resolve("tree");
                try (InputStream in = Files.newInputStream(artifact)) {
                    ArtifactExtractor.extract(in, tree);
                } catch (IOException x) {
                    problems.add("cannot unpack the artifact: " + x.getMessage());
                    return problems;
                }
                for (ManifestDifference d : ManifestVerifier.verify(manifest, tree)) {
                    problems.add(d.toString());
                }
                return problems;
            } finally {
                FileTrees.deleteRecursively(scratch);
            }
        }

        /** The entry's manifest, checked against its digest and naming the entry's artifact; null (with a problem) otherwise. */
        private static Manifest manifest(Channel channel, CheckpointEntry e, Path scratch, List<String> problems)
                throws IOException {
            if (e.getManifest().getSha256().isEmpty()) {
                problems.add("no manifest was recorded for this artifact; its files cannot be checked");
                return null;
            }
            Path file = scratch.resolve("manifest.pb");
            if (!fetch(channel, e.getManifest(), file, "manifest", problems)) {
                return null;
            }
            Manifest manifest;
            try {
                manifest = Manifest.parseFrom(Files.readAllBytes(file));
            } catch (InvalidProtocolBufferException x) {
                problems.add(
                        "the manifest sha256:" + e.getManifest().getSha256() + " is not a manifest: " + x.getMessage());
                return null;
            }
            if (manifest.hasArtifact() && !manifest.getArtifact().equals(e.getArtifact())) {
                problems.add("the manifest describes artifact sha256:"
                        + manifest.getArtifact().getSha256() + ", not sha256:"
                        + e.getArtifact().getSha256());
                return null;
            }
            return manifest;
        }
    }

    /** {@code farm checkpoint restore}. */
    @Command(
            name = "restore",
            mixinStandardHelpOptions = true,
            description = {
                "Unpack a checkpoint's system into a folder.",
                "Downloads its artifacts (each checked against its sha256) and unpacks them",
                "into DIR in the recorded order; a later package's file replaces an earlier",
                "one's. Unpacking refuses absolute paths, '..' and links leading out of DIR.",
                "DIR must be empty unless --force."
            },
            footerHeading = "%nExamples:%n",
            footer = {
                "  farm checkpoint restore lfs-ch7 --to /mnt/lfs",
                "  farm checkpoint restore lfs-ch7 --to /tmp/sysroot --force -o json"
            })
    public static final class Restore implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CoordinatorOptions coordinator;

        @Mixin
        Output output;

        @Parameters(index = "0", paramLabel = "NAME", description = "Checkpoint name.")
        String name;

        @Option(
                names = "--to",
                paramLabel = "DIR",
                required = true,
                description = "Folder to restore into (created if missing).")
        Path to;

        @Option(names = "--force", description = "Unpack into DIR even if it is not empty.")
        boolean force;

        /** The restored tree as the manifests describe it (later packages win at a path). */
        record Summary(int packages, long files, long directories, long symlinks, long fileBytes) {}

        @Override
        public Integer call() throws Exception {
            Path target = to.toAbsolutePath().normalize();
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new UsageException(target + " exists and is not a folder");
                }
                if (!force && !isEmpty(target)) {
                    throw new UsageException(target + " is not empty; restore into an empty folder, or add --force to "
                            + "unpack over what is there");
                }
            }
            Summary summary =
                    RemoteCall.with(coordinator, (stub, channel) -> restore(channel, get(channel, name), target));
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                Output.json(out, json -> {
                    json.writeStartObject();
                    json.writeStringField("checkpoint", name);
                    json.writeStringField("to", target.toString());
                    json.writeNumberField("packages", summary.packages());
                    json.writeNumberField("files", summary.files());
                    json.writeNumberField("directories", summary.directories());
                    json.writeNumberField("symlinks", summary.symlinks());
                    json.writeNumberField("file_bytes", summary.fileBytes());
                    json.writeEndObject();
                });
            } else {
                out.printf(
                        Locale.ROOT,
                        "Restored checkpoint %s into %s: %d packages, %d files (%s), %d folders, %d symlinks%n",
                        name,
                        target,
                        summary.packages(),
                        summary.files(),
                        size(summary.fileBytes()),
                        summary.directories(),
                        summary.symlinks());
                out.flush();
            }
            return ExitCodes.OK;
        }

        private static Summary restore(Channel channel, Checkpoint c, Path target) throws IOException {
            Files.createDirectories(target);
            Map<String, ManifestEntry> tree = new HashMap<>();
            Path scratch = Files.createTempDirectory("farm-restore-");
            try {
                ArtifactClient artifacts = new ArtifactClient(channel);
                for (CheckpointEntry e : c.getEntriesList()) {
                    Path artifact = scratch.resolve("artifact.tar.gz");
                    artifacts.download(e.getArtifact(), artifact);
                    try (InputStream in = Files.newInputStream(artifact)) {
                        ArtifactExtractor.extract(in, target);
                    } catch (IOException x) {
                        throw new IOException(
                                "cannot unpack " + e.getPackageId() + " " + e.getVersion() + " into " + target + ": "
                                        + x.getMessage(),
                                x);
                    }
                    Files.delete(artifact);
                    if (!e.getManifest().getSha256().isEmpty()) {
                        Path manifest = scratch.resolve("manifest.pb");
                        artifacts.download(e.getManifest(), manifest);
                        Manifest.parseFrom(Files.readAllBytes(manifest))
                                .getEntriesList()
                                .forEach(m -> tree.put(m.getPath(), m));
                        Files.delete(manifest);
                    }
                }
            } finally {
                FileTrees.deleteRecursively(scratch);
            }
            long files = 0;
            long dirs = 0;
            long links = 0;
            long bytes = 0;
            for (ManifestEntry m : tree.values()) {
                if (m.getType() == EntryType.ENTRY_TYPE_FILE) {
                    files++;
                    bytes += m.getSizeBytes();
                } else if (m.getType() == EntryType.ENTRY_TYPE_DIRECTORY) {
                    dirs++;
                } else if (m.getType() == EntryType.ENTRY_TYPE_SYMLINK) {
                    links++;
                }
            }
            return new Summary(c.getEntriesCount(), files, dirs, links, bytes);
        }

        private static boolean isEmpty(Path dir) throws IOException {
            try (Stream<Path> entries = Files.list(dir)) {
                return entries.findAny().isEmpty();
            }
        }
    }

    /** {@code farm checkpoint delete}. */
    @Command(
            name = "delete",
            mixinStandardHelpOptions = true,
            description = {
                "Delete a checkpoint.",
                "Its artifacts stay in the store until 'farm checkpoint gc' finds that",
                "nothing references them."
            },
            footerHeading = "%nExamples:%n",
            footer = {"  farm checkpoint delete lfs-ch7-old"})
    public static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CoordinatorOptions coordinator;

        @Parameters(index = "0", paramLabel = "NAME", description = "Checkpoint name.")
        String name;

        @Override
        public Integer call() throws Exception {
            Checkpoint c = RemoteCall.with(
                    coordinator,
                    (stub, channel) -> checkpoints(channel)
                            .deleteCheckpoint(DeleteCheckpointRequest.newBuilder()
                                    .setName(name)
                                    .build())
                            .getCheckpoint());
            spec.commandLine()
                    .getOut()
                    .printf(
                            Locale.ROOT,
                            "Deleted checkpoint %s (build %s, %d packages)%n",
                            c.getName(),
                            c.getBuildId(),
                            c.getPackageCount());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    /** {@code farm checkpoint gc}. */
    @Command(
            name = "gc",
            mixinStandardHelpOptions = true,
            description = {
                "Remove old checkpoints and the artifacts nothing references.",
                "With --keep N, keep the N newest checkpoints and delete the others. Then",
                "remove every blob of the artifact store that no checkpoint, no build the",
                "coordinator knows and no build request references, and the action-cache",
                "entries of removed artifacts. Blobs younger than --min-age are never",
                "removed: an upload in progress may not be referenced yet."
            },
            footerHeading = "%nExamples:%n",
            footer = {
                "  farm checkpoint gc --keep 3 --dry-run",
                "  farm checkpoint gc --keep 3",
                "  farm checkpoint gc -o json"
            })
    public static final class Gc implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CoordinatorOptions coordinator;

        @Mixin
        Output output;

        @Option(
                names = "--keep",
                paramLabel = "N",
                description =
                        "Keep the N newest checkpoints and delete the older ones (default: keep every checkpoint).")
        Integer keep;

        @Option(names = "--dry-run", description = "Delete nothing; say what would be deleted.")
        boolean dryRun;

        @Option(
                names = "--min-age",
                paramLabel = "AGE",
                converter = AgeConverter.class,
                description = "Never remove blobs younger than this: 90s, 30m, 1h, 2d (default: 1h). Lower it only "
                        + "while nothing is being built, submitted or checkpointed.")
        Duration minAge;

        @Override
        public Integer call() throws Exception {
            if (keep != null && keep < 0) {
                throw new UsageException("--keep must not be negative, got " + keep);
            }
            CollectGarbageRequest.Builder request =
                    CollectGarbageRequest.newBuilder().setDryRun(dryRun);
            if (keep != null) {
                request.setKeepCheckpoints(keep);
            }
            if (minAge != null) {
                request.setMinAge(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(minAge.getSeconds())
                        .setNanos(minAge.getNano()));
            }
            CollectGarbageResponse r = RemoteCall.with(
                    coordinator, (stub, channel) -> checkpoints(channel).collectGarbage(request.build()));
            PrintWriter out = spec.commandLine().getOut();
            long ageSeconds = r.getMinAge().getSeconds();
            if (output.json()) {
                Output.json(out, json -> {
                    json.writeStartObject();
                    json.writeBooleanField("dry_run", r.getDryRun());
                    writeStrings(json, "deleted_checkpoints", r.getDeletedCheckpointsList());
                    writeStrings(json, "kept_checkpoints", r.getKeptCheckpointsList());
                    json.writeNumberField("blobs_removed", r.getBlobsRemoved());
                    json.writeNumberField("bytes_freed", r.getBytesFreed());
                    json.writeNumberField("action_cache_entries_removed", r.getActionCacheEntriesRemoved());
                    json.writeNumberField("blobs_referenced", r.getBlobsReferenced());
                    json.writeNumberField("bytes_referenced", r.getBytesReferenced());
                    json.writeNumberField("blobs_too_young", r.getBlobsTooYoung());
                    json.writeNumberField("bytes_too_young", r.getBytesTooYoung());
                    json.writeNumberField("min_age_seconds", ageSeconds);
                    json.writeEndObject();
                });
                return ExitCodes.OK;
            }
            String would = r.getDryRun() ? "would be " : "";
            out.printf(
                    Locale.ROOT,
                    "%sCheckpoints: %d kept%s, %d %sdeleted%s%n",
                    r.getDryRun() ? "Dry run. " : "",
                    r.getKeptCheckpointsCount(),
                    list(r.getKeptCheckpointsList()),
                    r.getDeletedCheckpointsCount(),
                    would,
                    list(r.getDeletedCheckpointsList()));
            out.printf(
                    Locale.ROOT,
                    "Blobs: %d %sremoved (%s %sfreed), %d referenced (%s), %d younger than %s kept (%s)%n",
                    r.getBlobsRemoved(),
                    would,
                    size(r.getBytesFreed()),
                    would,
                    r.getBlobsReferenced(),
                    size(r.getBytesReferenced()),
                    r.getBlobsTooYoung(),
                    age(ageSeconds),
                    size(r.getBytesTooYoung()));
            out.printf(Locale.ROOT, "Action cache: %d entries %sremoved%n", r.getActionCacheEntriesRemoved(), would);
            out.flush();
            return ExitCodes.OK;
        }

        private static String list(List<String> names) {
            return names.isEmpty() ? "" : " (" + String.join(", ", names) + ")";
        }

        private static void writeStrings(JsonGenerator json, String field, List<String> values) throws IOException {
            json.writeArrayFieldStart(field);
            for (String v : values) {
                json.writeString(v);
            }
            json.writeEndArray();
        }
    }

    /** {@code 90s}, {@code 30m}, {@code 1h}, {@code 2d}; a bare number is seconds. */
    static final class AgeConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern AGE = Pattern.compile("(\\d{1,9})\\s*([smhd]?)");

        @Override
        public Duration convert(String value) {
            Matcher m = AGE.matcher(value.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not an age (e.g. 90s, 30m, 1h, 2d)");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofSeconds(n);
            };
        }
    }

    // ---- shared ----

    static CheckpointServiceGrpc.CheckpointServiceBlockingStub checkpoints(Channel channel) {
        return CheckpointServiceGrpc.newBlockingStub(channel);
    }

    static Checkpoint get(Channel channel, String name) {
        return checkpoints(channel)
                .getCheckpoint(GetCheckpointRequest.newBuilder().setName(name).build())
                .getCheckpoint();
    }

    /**
     * Downloads {@code digest} to {@code file}, verified against it. A blob that is missing or does
     * not match is a problem of the checkpoint (false); a coordinator that cannot be reached is not.
     */
    static boolean fetch(Channel channel, Digest digest, Path file, String what, List<String> problems)
            throws IOException {
        try {
            new ArtifactClient(channel).download(digest, file);
            return true;
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            if (code != Status.Code.NOT_FOUND && code != Status.Code.DATA_LOSS && code != Status.Code.OUT_OF_RANGE) {
                throw e;
            }
            problems.add(what + " sha256:" + digest.getSha256() + ": "
                    + e.getStatus().getDescription());
        } catch (IOException e) {
            problems.add(what + " sha256:" + digest.getSha256() + ": " + e.getMessage());
        }
        return false;
    }

    static void writeCheckpoint(JsonGenerator json, Checkpoint c, boolean withEntries) throws IOException {
        json.writeStringField("name", c.getName());
        json.writeStringField("build_id", c.getBuildId());
        if (c.getUpto().isEmpty()) {
            json.writeNullField("upto");
        } else {
            json.writeStringField("upto", c.getUpto());
        }
        json.writeStringField("book", c.getBookName());
        json.writeStringField("created_at", created(c));
        json.writeNumberField("package_count", c.getPackageCount());
        json.writeNumberField("artifact_bytes", c.getArtifactBytes());
        json.writeStringField("entry_list", c.getEntryList().getSha256());
        if (withEntries) {
            json.writeArrayFieldStart("entries");
            for (CheckpointEntry e : c.getEntriesList()) {
                json.writeStartObject();
                json.writeStringField("id", e.getPackageId());
                json.writeStringField("version", e.getVersion());
                json.writeStringField("artifact", e.getArtifact().getSha256());
                json.writeNumberField("artifact_bytes", e.getArtifact().getSizeBytes());
                json.writeStringField("manifest", e.getManifest().getSha256());
                json.writeNumberField("manifest_bytes", e.getManifest().getSizeBytes());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
    }

    static String created(Checkpoint c) {
        return ProtoTime.instant(c.getCreatedAt()).toString();
    }

    /** Bytes for people: 512 B, 3.4 KiB, 1.2 MiB, 5.0 GiB. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    static String age(long seconds) {
        if (seconds % 86400 == 0 && seconds > 0) {
            return seconds / 86400 + "d";
        } else if (seconds % 3600 == 0 && seconds > 0) {
            return seconds / 3600 + "h";
        } else if (seconds % 60 == 0 && seconds > 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }
}
