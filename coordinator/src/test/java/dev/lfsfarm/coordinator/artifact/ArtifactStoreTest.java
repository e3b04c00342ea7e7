package dev.lfsfarm.coordinator.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactStoreTest {

    private static final byte[] BLOB = "the bytes of a blob\n".getBytes(StandardCharsets.UTF_8);
    private static final String KEY = "a".repeat(64);

    @TempDir
    Path dir;

    private ArtifactStore store;

    @BeforeEach
    void open() throws IOException {
        store = new ArtifactStore(dir);
    }

    @Test
    void putStoresUnderTheDigestAndReadsBack() throws IOException {
        Digest digest = store.put(new ByteArrayInputStream(BLOB), Sha256.of(BLOB), BLOB.length);

        assertThat(digest).isEqualTo(Sha256.digest(BLOB));
        String sha = digest.getSha256();
        assertThat(store.contains(sha)).isTrue();
        assertThat(store.contains(digest)).isTrue();
        assertThat(store.contains(
                        digest.toBuilder().setSizeBytes(BLOB.length + 1).build()))
                .isFalse();
        assertThat(store.path(sha))
                .contains(dir.resolve("cas").resolve(sha.substring(0, 2)).resolve(sha));
        try (InputStream in = store.open(sha)) {
            assertThat(in.readAllBytes()).isEqualTo(BLOB);
        }
        assertThat(store.totalBytes()).isEqualTo(BLOB.length);
        assertThat(files("tmp")).isEmpty();
    }

    @Test
    void putWithoutExpectationsAcceptsAnyBytes() throws IOException {
        assertThat(store.put(new ByteArrayInputStream(BLOB), null, -1)).isEqualTo(Sha256.digest(BLOB));
    }

    @Test
    void mismatchStoresNothingAndNamesBothDigests() throws IOException {
        String wrong = Sha256.of("other".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> store.put(new ByteArrayInputStream(BLOB), wrong, BLOB.length))
                .isInstanceOfSatisfying(DigestMismatchException.class, e -> {
                    assertThat(e.actual()).isEqualTo(Sha256.digest(BLOB));
                    assertThat(e.expectedSha256()).isEqualTo(wrong);
                })
                .hasMessageContaining(wrong)
                .hasMessageContaining(Sha256.of(BLOB))
                .hasMessageContaining("nothing stored");
        assertThatThrownBy(() -> store.put(new ByteArrayInputStream(BLOB), Sha256.of(BLOB), BLOB.length - 1))
                .isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining((BLOB.length - 1) + " bytes");

        assertThat(store.contains(Sha256.of(BLOB))).isFalse();
        assertThat(files("cas")).isEmpty();
        assertThat(files("tmp")).isEmpty();
    }

    @Test
    void sinkPublishesAtomicallyOnlyOnCommit() throws IOException {
        ArtifactStore.Sink sink = store.openSink();
        sink.write(BLOB, 0, 5);
        sink.write(com.google.protobuf.ByteString.copyFrom(BLOB, 5, BLOB.length - 5));

        assertThat(store.contains(Sha256.of(BLOB))).isFalse();
        assertThat(files("cas")).isEmpty();
        assertThat(files("tmp")).hasSize(1);

        ArtifactStore.Stored stored = sink.commit(Sha256.of(BLOB), BLOB.length);

        assertThat(stored.created()).isTrue();
        assertThat(stored.digest()).isEqualTo(Sha256.digest(BLOB));
        assertThat(store.contains(Sha256.of(BLOB))).isTrue();
        assertThat(files("tmp")).isEmpty();
        assertThatThrownBy(() -> sink.write(BLOB, 0, 1)).isInstanceOf(IOException.class);
    }

    @Test
    void secondCopyOfABlobIsDroppedNotPublished() throws IOException {
        store.put(new ByteArrayInputStream(BLOB), null, -1);
        ArtifactStore other = new ArtifactStore(dir); // a second coordinator on the same folder

        try (ArtifactStore.Sink sink = other.openSink()) {
            sink.write(BLOB, 0, BLOB.length);
            assertThat(sink.commit(Sha256.of(BLOB), BLOB.length).created()).isFalse();
        }

        assertThat(files("cas")).hasSize(1);
        assertThat(files("tmp")).isEmpty();
    }

    @Test
    void abortDeletesTheTemporaryFile() throws IOException {
        ArtifactStore.Sink sink = store.openSink();
        sink.write(BLOB, 0, BLOB.length);
        sink.abort();
        sink.abort();

        assertThat(files("tmp")).isEmpty();
        assertThat(files("cas")).isEmpty();
    }

    @Test
    void actionCacheFirstWriterWins() throws IOException {
        ActionResult first =
                ActionResult.newBuilder().setActionKey(KEY).setWorker("first").build();
        ActionResult second =
                ActionResult.newBuilder().setActionKey(KEY).setWorker("second").build();

        assertThat(store.getAction(KEY)).isEmpty();
        assertThat(store.putAction(KEY, first)).isTrue();
        assertThat(new ArtifactStore(dir).putAction(KEY, second)).isFalse();

        assertThat(store.getAction(KEY)).contains(first);
        assertThat(files("tmp")).isEmpty();
    }

    @Test
    void tornActionCacheEntryIsAMissAndCanBeRecordedAgain() throws IOException {
        ActionResult first =
                ActionResult.newBuilder().setActionKey(KEY).setWorker("first").build();
        assertThat(store.putAction(KEY, first)).isTrue();
        java.nio.file.Files.write(
                dir.resolve("ac").resolve(KEY), new byte[0]); // entries are not fsynced: a crash can leave this
        assertThat(store.getAction(KEY)).isEmpty();
        assertThat(store.putAction(KEY, first)).isTrue();
        assertThat(store.getAction(KEY)).contains(first);
    }

    @Test
    void malformedKeysAndDigestsAreRefused() {
        assertThatThrownBy(() -> store.getAction("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.contains(KEY.toUpperCase())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void purgeRemovesOnlyStaleTemporaryFiles() throws IOException {
        Path stale = Files.writeString(dir.resolve("tmp/stale.part"), "left by a dead coordinator");
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(Duration.ofDays(2))));
        Path fresh = Files.writeString(dir.resolve("tmp/fresh.part"), "upload in progress elsewhere");

        assertThat(store.purgeTemporaryFiles(Duration.ofDays(1))).isEqualTo(1);

        assertThat(stale).doesNotExist();
        assertThat(fresh).exists();
    }

    private List<Path> files(String sub) throws IOException {
        try (Stream<Path> s = Files.walk(dir.resolve(sub))) {
            return s.filter(Files::isRegularFile).collect(Collectors.toList());
        }
    }
}
