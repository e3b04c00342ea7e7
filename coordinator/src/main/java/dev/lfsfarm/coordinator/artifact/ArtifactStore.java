package dev.lfsfarm.coordinator.artifact;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.Digest;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content-addressed blob store and action cache in a plain folder ({@code --artifact-dir}).
 *
 * <p>Layout: blobs at {@code cas/<first 2 hex>/<sha256>}, action cache entries at {@code
 * ac/<action key>} (a serialized {@link ActionResult}), writes in progress at {@code
 * tmp/<random>.part}. Several coordinators may share the folder over NFS or CephFS: every write
 * goes to a uniquely named temporary file in the same folder tree, is flushed to disk and
 * verified, and only then published with one atomic rename (blobs) or link (action cache), so a
 * reader sees a complete, verified file or nothing, and a partial upload never becomes visible.
 * Because blobs are content-addressed, two writers publishing the same digest race harmlessly:
 * whoever comes second finds the blob and drops its copy. Action cache entries are published
 * with {@code link(2)}, which fails if the name exists, so the first writer wins atomically.
 *
 * <p>Digests and action keys must be 64 lower-case hex characters; every method throws
 * IllegalArgumentException otherwise (callers validate wire input first), which also keeps
 * names like {@code ../x} out of the folder. Temporary files of a coordinator that died
 * mid-write stay in {@code tmp/} until {@link #purgeTemporaryFiles} removes them.
 */
public final class ArtifactStore {

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactStore.class);
    private static final int BUFFER_SIZE = 64 * 1024;

    private final Path root;
    private final Path cas;
    private final Path ac;
    private final Path tmp;
    /** Bytes of every blob, counted once at open and kept up to date by commit and remove: a gauge reads it. */
    private final java.util.concurrent.atomic.AtomicLong storedBytes = new java.util.concurrent.atomic.AtomicLong();

    /** Opens (creating the folders if missing) the store rooted at {@code root}. */
    public ArtifactStore(Path root) throws IOException {
        this.root = root.toAbsolutePath();
        this.cas = Files.createDirectories(this.root.resolve("cas"));
        this.ac = Files.createDirectories(this.root.resolve("ac"));
        this.tmp = Files.createDirectories(this.root.resolve("tmp"));
        this.storedBytes.set(totalBytes());
    }

    /** Bytes of all blobs, without walking the store. */
    public long storedBytes() {
        return storedBytes.get();
    }

    /** The store's folder. */
    public Path root() {
        return root;
    }

    /** True when the store holds a blob with this SHA-256. */
    public boolean contains(String sha256) {
        return Files.isRegularFile(blobPath(sha256));
    }

    /** True when the store holds this exact blob: the SHA-256 and the size both match. */
    public boolean contains(Digest digest) {
        try {
            return Files.size(blobPath(digest.getSha256())) == digest.getSizeBytes();
        } catch (IOException e) {
            return false;
        }
    }

    /** The file holding the blob, if present. Read it, never write it. */
    public Optional<Path> path(String sha256) {
        Path path = blobPath(sha256);
        return Files.isRegularFile(path) ? Optional.of(path) : Optional.empty();
    }

    /** Opens the blob for reading. */
    public InputStream open(String sha256) throws IOException {
        Path path = blobPath(sha256);
        try {
            return Files.newInputStream(path);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(path.toString(), null, "blob sha256:" + sha256 + " is not in the store");
        }
    }

    /**
     * Stores everything left in {@code in} (not closed) and returns its digest.
     *
     * @param expectedSha256 the SHA-256 the bytes must have, or null to accept any
     * @param expectedSize   the size the bytes must have, or -1 to accept any
     * @throws DigestMismatchException when the bytes do not match; nothing is stored
     */
    public Digest put(InputStream in, String expectedSha256, long expectedSize) throws IOException {
        try (Sink sink = openSink()) {
            byte[] buffer = new byte[BUFFER_SIZE];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                sink.write(buffer, 0, n);
            }
            return sink.commit(expectedSha256, expectedSize).digest();
        }
    }

    /** Starts a streaming write; the blob becomes visible only on a successful {@link Sink#commit}. */
    public Sink openSink() throws IOException {
        Path file = tmp.resolve(UUID.randomUUID() + ".part");
        return new Sink(file, FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    /** Removes a blob (e.g. one that failed verification). Returns whether it was there. */
    public boolean remove(String sha256) throws IOException {
        Path blob = blobPath(sha256);
        long size;
        try {
            size = Files.size(blob);
        } catch (NoSuchFileException e) {
            return false;
        }
        boolean removed = Files.deleteIfExists(blob);
        if (removed) {
            storedBytes.addAndGet(-size);
        }
        return removed;
    }

    /** Total size of all blobs, bytes (walks the store). */
    public long totalBytes() throws IOException {
        try (Stream<Path> files = Files.walk(cas)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (NoSuchFileException e) {
                            return 0; // removed concurrently
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .sum();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Deletes temporary files older than {@code age}: leftovers of a coordinator that died
     * mid-upload. The age must exceed any upload still running on another coordinator sharing
     * the folder. Returns how many were deleted.
     */
    public int purgeTemporaryFiles(Duration age) throws IOException {
        FileTime cutoff = FileTime.from(Instant.now().minus(age));
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(tmp)) {
            for (Path file : files) {
                try {
                    if (Files.getLastModifiedTime(file).compareTo(cutoff) < 0 && Files.deleteIfExists(file)) {
                        deleted++;
                    }
                } catch (NoSuchFileException e) {
                    // another coordinator got there first
                }
            }
        }
        if (deleted > 0) {
            LOG.info("deleted {} stale temporary files from {}", deleted, tmp);
        }
        return deleted;
    }

    /** The action cache entry for {@code actionKey}, if any. */
    public Optional<ActionResult> getAction(String actionKey) throws IOException {
        Path path = actionPath(actionKey);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            if (bytes.length > 0) {
                return Optional.of(ActionResult.parseFrom(bytes));
            }
        } catch (InvalidProtocolBufferException e) {
            // falls through: a torn entry
        }
        // Entries are not fsynced (see putAction): a crash can leave one empty or torn. It is a miss,
        // and goes, so that the next successful build of the action can record it again.
        LOG.warn("removing torn action cache entry {}", path);
        Files.deleteIfExists(path);
        return Optional.empty();
    }

    /**
     * Records {@code result} for {@code actionKey} unless an entry exists. Returns true when this
     * call created the entry; false when another writer (this or another coordinator) was first,
     * whose entry is kept.
     */
    public boolean putAction(String actionKey, ActionResult result) throws IOException {
        Path target = actionPath(actionKey);
        if (Files.exists(target)) {
            return false;
        }
        Path temp = tmp.resolve(UUID.randomUUID() + ".ac");
        try {
            try (FileChannel channel =
                    FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = result.toByteString().asReadOnlyByteBuffer();
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                // No fsync: the dispatcher records an entry per built package on its one thread, and an
                // fsync there (1-15 ms) capped dispatch at a few hundred packages/s. Losing an entry to
                // a crash costs one rebuild; a torn one is read as a miss (getAction). Blobs are fsynced.
            }
            try {
                Files.createLink(target, temp);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException | FileSystemException e) {
                if (e instanceof FileSystemException && Files.exists(target)) {
                    return false;
                }
                // No hard links on this file system: a rename can replace a concurrent first
                // writer's entry. Both describe a successful build of the same inputs.
                LOG.debug("link() failed for {}, publishing with rename", target, e);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                return true;
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** One stored blob as {@link #forEachBlob} sees it. */
    public record BlobInfo(String sha256, long sizeBytes, Instant modified) {}

    /** Receives blobs from {@link #forEachBlob}. */
    @FunctionalInterface
    public interface BlobVisitor {
        void visit(BlobInfo blob) throws IOException;
    }

    /**
     * Calls {@code visitor} for every blob in the store (one folder at a time, so a large store is
     * never listed into memory at once). Files that are not blobs are skipped; a blob removed
     * while the walk runs is simply not seen.
     */
    public void forEachBlob(BlobVisitor visitor) throws IOException {
        try (DirectoryStream<Path> prefixes = Files.newDirectoryStream(cas)) {
            for (Path prefix : prefixes) {
                if (!Files.isDirectory(prefix)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(prefix)) {
                    for (Path file : files) {
                        String name = file.getFileName().toString();
                        if (!Sha256.isValid(name)
                                || !name.startsWith(prefix.getFileName().toString())) {
                            continue;
                        }
                        java.nio.file.attribute.BasicFileAttributes attrs;
                        try {
                            attrs = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
                        } catch (NoSuchFileException e) {
                            continue;
                        }
                        if (attrs.isRegularFile()) {
                            visitor.visit(new BlobInfo(
                                    name, attrs.size(), attrs.lastModifiedTime().toInstant()));
                        }
                    }
                }
            }
        }
    }

    /** Calls {@code visitor} with every action key that has a cache entry. */
    public void forEachActionKey(java.util.function.Consumer<String> visitor) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(ac)) {
            for (Path file : files) {
                String key = file.getFileName().toString();
                if (Sha256.isValid(key)) {
                    visitor.accept(key);
                }
            }
        }
    }

    /** Removes the action cache entry of {@code actionKey} (its artifact is gone). Returns whether it was there. */
    public boolean removeAction(String actionKey) throws IOException {
        return Files.deleteIfExists(actionPath(actionKey));
    }

    private Path blobPath(String sha256) {
        if (!Sha256.isValid(sha256)) {
            throw new IllegalArgumentException("not a sha256 (64 lower-case hex characters): '" + sha256 + "'");
        }
        return cas.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    private Path actionPath(String actionKey) {
        if (!Sha256.isValid(actionKey)) {
            throw new IllegalArgumentException("not an action key (64 lower-case hex characters): '" + actionKey + "'");
        }
        return ac.resolve(actionKey);
    }

    /** What {@link Sink#commit} did. */
    public record Stored(Digest digest, boolean created) {}

    /**
     * One blob being written: bytes go to a temporary file and are hashed as they arrive.
     * {@link #commit} verifies and publishes; {@link #abort} (or {@link #close} without a commit)
     * deletes the temporary file. Not thread-safe: one writer at a time.
     */
    public final class Sink implements Closeable {
        private final Path file;
        private final FileChannel channel;
        private final MessageDigest md = Sha256.newDigest();
        private long size;
        private boolean finished;

        private Sink(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
        }

        /** Appends bytes. */
        public void write(byte[] bytes, int offset, int length) throws IOException {
            write(ByteBuffer.wrap(bytes, offset, length));
        }

        /** Appends bytes. */
        public void write(ByteString bytes) throws IOException {
            for (ByteBuffer buffer : bytes.asReadOnlyByteBufferList()) {
                write(buffer);
            }
        }

        private void write(ByteBuffer buffer) throws IOException {
            checkOpen();
            md.update(buffer.duplicate());
            int length = buffer.remaining();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            size += length;
        }

        /** Bytes written so far. */
        public long size() {
            return size;
        }

        /**
         * Verifies what was written and publishes it under its SHA-256.
         *
         * @param expectedSha256 the SHA-256 the bytes must have, or null to accept any
         * @param expectedSize   the size the bytes must have, or -1 to accept any
         * @return the digest, and whether this call created the blob (false: it was already stored)
         * @throws DigestMismatchException when the bytes do not match; the temporary file is deleted
         */
        public Stored commit(String expectedSha256, long expectedSize) throws IOException {
            checkOpen();
            finished = true;
            boolean published = false;
            try {
                channel.force(true);
                channel.close();
                Digest digest = Digest.newBuilder()
                        .setSha256(Sha256.toHex(md.digest()))
                        .setSizeBytes(size)
                        .build();
                if ((expectedSha256 != null && !expectedSha256.equals(digest.getSha256()))
                        || (expectedSize >= 0 && expectedSize != size)) {
                    throw new DigestMismatchException(expectedSha256, expectedSize, digest);
                }
                Path target = blobPath(digest.getSha256());
                Files.createDirectories(target.getParent());
                if (Files.exists(target)) {
                    return new Stored(digest, false);
                }
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
                try {
                    Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                    if (Files.exists(target)) {
                        return new Stored(digest, false);
                    }
                    throw e;
                }
                published = true;
                storedBytes.addAndGet(size);
                LOG.debug("stored {}", Sha256.describe(digest));
                return new Stored(digest, true);
            } finally {
                if (!published) {
                    closeQuietly();
                    deleteQuietly();
                }
            }
        }

        /** Discards what was written. Safe to call more than once and after a commit. */
        public void abort() {
            if (finished) {
                return;
            }
            finished = true;
            closeQuietly();
            deleteQuietly();
        }

        /** Same as {@link #abort()} unless committed. */
        @Override
        public void close() {
            abort();
        }

        private void checkOpen() throws IOException {
            if (finished) {
                throw new IOException("sink " + file.getFileName() + " is already committed or aborted");
            }
        }

        private void closeQuietly() {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("closing {} failed", file, e);
            }
        }

        private void deleteQuietly() {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.warn("could not delete temporary file {}: {}", file, e.toString());
            }
        }
    }
}
