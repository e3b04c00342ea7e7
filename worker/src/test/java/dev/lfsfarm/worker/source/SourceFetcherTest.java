package dev.lfsfarm.worker.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.lfsfarm.common.recipe.Source;
import dev.lfsfarm.common.time.ManualClock;
import dev.lfsfarm.worker.execute.Workspace;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceFetcherTest {

    @TempDir
    Path tmp;

    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private byte[] tarball;
    private String sha256;
    private String md5;
    private String base;
    /** Holds the stalled response of /stall/ until the test ends. */
    private final CountDownLatch unstall = new CountDownLatch(1);

    @BeforeEach
    void serve() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("pkg/pkg-1.0"));
        Files.writeString(dir.resolve("README"), "a package\n");
        Path archive = tmp.resolve("pkg-1.0.tar.gz");
        Process tar = new ProcessBuilder(
                        "tar",
                        "-czf",
                        archive.toString(),
                        "-C",
                        tmp.resolve("pkg").toString(),
                        "pkg-1.0")
                .inheritIO()
                .start();
        assertThat(tar.waitFor()).isZero();
        tarball = Files.readAllBytes(archive);
        sha256 = hex("SHA-256", tarball);
        md5 = hex("MD5", tarball);

        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/pkg-1.0.tar.gz")) {
                exchange.sendResponseHeaders(200, tarball.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(tarball);
                }
            } else if (path.equals("/stall/pkg-1.0.tar.gz")) {
                exchange.sendResponseHeaders(200, tarball.length);
                OutputStream out = exchange.getResponseBody();
                out.write(tarball, 0, tarball.length / 2);
                out.flush();
                try {
                    unstall.await(60, TimeUnit.SECONDS); // then the exchange is dropped, the rest never sent
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
            } else if (path.equals("/moved/pkg-1.0.tar.gz")) {
                exchange.getResponseHeaders().add("Location", "/pkg-1.0.tar.gz");
                exchange.sendResponseHeaders(302, -1);
                exchange.close();
            } else {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
            }
        });
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        unstall.countDown();
        server.stop(0);
    }

    private SourceFetcher fetcher() {
        return new SourceFetcher(tmp.resolve("cache"), Duration.ofSeconds(10), Duration.ofSeconds(10));
    }

    @Test
    void fetchesAndVerifiesSha256IntoTheCache() throws Exception {
        Path cached = fetcher().fetch(base + "/pkg-1.0.tar.gz", sha256, null);

        assertThat(cached).isEqualTo(tmp.resolve("cache/sha256/" + sha256));
        assertThat(Files.readAllBytes(cached)).isEqualTo(tarball);
        assertThat(requests).hasValue(1);
        assertThat(tmp.resolve("cache/tmp")).isEmptyDirectory();
    }

    @Test
    void fetchesAndVerifiesMd5() throws Exception {
        Path cached = fetcher().fetch(base + "/pkg-1.0.tar.gz", null, md5.toUpperCase());

        assertThat(cached).isEqualTo(tmp.resolve("cache/md5/" + md5));
        assertThat(Files.readAllBytes(cached)).isEqualTo(tarball);
    }

    @Test
    void followsRedirects() throws Exception {
        assertThat(Files.readAllBytes(fetcher().fetch(base + "/moved/pkg-1.0.tar.gz", sha256, null)))
                .isEqualTo(tarball);
        assertThat(requests).hasValue(2);
    }

    @Test
    void aMismatchNamesTheUrlAndBothDigestsAndCachesNothing() {
        String wrong = "0".repeat(64);
        String url = base + "/pkg-1.0.tar.gz";

        assertThatThrownBy(() -> fetcher().fetch(url, wrong, null))
                .isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining(url)
                .hasMessageContaining("sha256")
                .hasMessageContaining(wrong)
                .hasMessageContaining(sha256)
                .satisfies(e -> {
                    ChecksumMismatchException m = (ChecksumMismatchException) e;
                    assertThat(m.expected()).isEqualTo(wrong);
                    assertThat(m.actual()).isEqualTo(sha256);
                });
        assertThat(tmp.resolve("cache/sha256/" + wrong)).doesNotExist();
        assertThat(tmp.resolve("cache/tmp")).isEmptyDirectory();
    }

    @Test
    void anMd5MismatchIsReportedToo() {
        String wrong = "f".repeat(32);
        assertThatThrownBy(() -> fetcher().fetch(base + "/pkg-1.0.tar.gz", null, wrong))
                .isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining("md5")
                .hasMessageContaining(wrong)
                .hasMessageContaining(md5);
    }

    @Test
    void aCachedFileIsUsedWithoutAnyRequest() throws Exception {
        fetcher().fetch(base + "/pkg-1.0.tar.gz", sha256, null);
        assertThat(requests).hasValue(1);

        // Even from another fetcher, and from a URL that would fail.
        Path again = fetcher().fetch(base + "/gone/pkg-1.0.tar.gz", sha256, null);

        assertThat(again).isEqualTo(tmp.resolve("cache/sha256/" + sha256));
        assertThat(requests).hasValue(1);
    }

    @Test
    void concurrentFetchesOfTheSameSourceAreSafe() throws Exception {
        SourceFetcher fetcher = fetcher();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> fetcher.fetch(base + "/pkg-1.0.tar.gz", sha256, null)));
            }
            for (Future<Path> f : results) {
                assertThat(Files.readAllBytes(f.get())).isEqualTo(tarball);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(requests).hasValue(1);
    }

    @Test
    void fileUrlsAreCopiedAndVerified() throws Exception {
        Path local = tmp.resolve("local.tar.gz");
        Files.write(local, tarball);

        Path cached = fetcher().fetch(local.toUri().toString(), sha256, null);

        assertThat(Files.readAllBytes(cached)).isEqualTo(tarball);
        assertThat(requests).hasValue(0);
        assertThatThrownBy(
                        () -> fetcher().fetch(tmp.resolve("missing.tar").toUri().toString(), "1".repeat(64), null))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("missing.tar: no such file");
    }

    @Test
    void notFoundIsAClearError() {
        String url = base + "/nope-1.0.tar.gz";
        assertThatThrownBy(() -> fetcher().fetch(url, sha256.replace('a', 'b'), null))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(ChecksumMismatchException.class)
                .hasMessage(url + ": HTTP 404 (not found)");
    }

    @Test
    void aStallIsMeasuredOnTheInjectedTicker() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        Duration idle = Duration.ofHours(1); // real time would never reach it within the test
        SourceFetcher fetcher = new SourceFetcher(tmp.resolve("cache"), Duration.ofSeconds(10), idle, clock);
        String url = base + "/stall/pkg-1.0.tar.gz";
        CompletableFuture<Path> fetch = CompletableFuture.supplyAsync(() -> {
            try {
                return fetcher.fetch(url, sha256, null);
            } catch (Exception e) {
                throw new CompletionWrapper(e);
            }
        });
        // The reader may take the first half after the clock moved: move it until the watchdog fires.
        Throwable failure = null;
        for (int i = 0; i < 20 && failure == null; i++) {
            clock.advance(idle.plusSeconds(1));
            try {
                fetch.get(2, TimeUnit.SECONDS);
                throw new AssertionError("a stalled download succeeded");
            } catch (TimeoutException notYet) {
                // the watchdog looks once a second
            } catch (ExecutionException e) {
                failure = e.getCause() instanceof CompletionWrapper w ? w.getCause() : e.getCause();
            }
        }
        assertThat(failure)
                .as("the download fails once the manual clock passed the idle timeout")
                .isInstanceOf(java.io.InterruptedIOException.class)
                .hasMessage(url + ": no data for 3600 s");
        assertThat(tmp.resolve("cache/sha256/" + sha256)).doesNotExist();
    }

    /** Carries a checked exception out of a future. */
    private static final class CompletionWrapper extends RuntimeException {
        CompletionWrapper(Exception cause) {
            super(cause);
        }
    }

    @Test
    void unreachableHostsAndBadSchemesAreClearErrors() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort + "/x.tar";
        assertThatThrownBy(() -> fetcher().fetch(url, sha256, null))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(url + ": ");
        assertThatThrownBy(() -> fetcher().fetch("gopher://x/y", sha256, null))
                .hasMessageContaining("unsupported scheme 'gopher'");
        assertThatThrownBy(() -> fetcher().fetch(base + "/pkg-1.0.tar.gz", null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stagesUrlAndPathSourcesByFileName() throws Exception {
        Workspace ws = Workspace.create(tmp.resolve("work"), "a", false);
        Path patch = tmp.resolve("book/patches/fix.patch");
        Files.createDirectories(patch.getParent());
        Files.writeString(patch, "--- a\n+++ b\n");
        Path folder = Files.createDirectories(tmp.resolve("book/extra"));
        Files.writeString(folder.resolve("data.ini"), "k=v\n");
        List<Source> sources = List.of(
                new Source(base + "/pkg-1.0.tar.gz", null, sha256, null, null),
                new Source(null, "patches/fix.patch", null, null, null),
                new Source(null, "extra", null, null, null));

        List<Path> staged =
                fetcher().stage(sources, ws, s -> tmp.resolve("book").resolve(s.path()));

        assertThat(staged)
                .containsExactly(
                        ws.sources().resolve("pkg-1.0.tar.gz"),
                        ws.sources().resolve("fix.patch"),
                        ws.sources().resolve("extra"));
        assertThat(Files.readAllBytes(staged.get(0))).isEqualTo(tarball);
        assertThat(staged.get(1)).hasContent("--- a\n+++ b");
        assertThat(staged.get(2).resolve("data.ini")).hasContent("k=v");
        // A copy: the build cannot alter the cache through it.
        assertThat(Files.isSameFile(staged.get(0), tmp.resolve("cache/sha256/" + sha256)))
                .isFalse();
    }

    @Test
    void twoSourcesWithOneNameAreRefused() throws Exception {
        Workspace ws = Workspace.create(tmp.resolve("work"), "a", false);
        List<Source> sources = List.of(
                new Source(base + "/pkg-1.0.tar.gz", null, sha256, null, null),
                new Source(base + "/moved/pkg-1.0.tar.gz", null, sha256, null, null));

        assertThatThrownBy(() -> fetcher().stage(sources, ws, PathSourceResolver.NONE))
                .hasMessageContaining("two sources are named 'pkg-1.0.tar.gz'");
    }

    private static String hex(String algorithm, byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
    }
}
