package dev.lfsfarm.worker.source;

import dev.lfsfarm.common.concurrent.DaemonThreadFactory;
import dev.lfsfarm.common.files.FileTrees;
import dev.lfsfarm.common.recipe.Source;
import dev.lfsfarm.common.time.Ticker;
import dev.lfsfarm.worker.execute.Workspace;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLConnection;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches {@code url} sources into a cache keyed by their digest and stages an attempt's sources
 * into its workspace.
 *
 * <p>The cache is {@code <cache>/sha256/<hex>} (or {@code md5/<hex>} when the recipe gives only
 * the LFS md5sum). Why by digest: the same tarball is named by many recipes and URLs (mirrors), and
 * a file whose name is its digest never needs revalidation. A cached file is used without any
 * network access. A download is verified while it streams; on a mismatch nothing is cached and a
 * {@link ChecksumMismatchException} names the URL and both digests.
 *
 * <p>Concurrent fetches of the same source, in this process or in several workers sharing the
 * cache, are safe: each downloads to its own temporary file and renames it into place atomically;
 * within a process, a second fetch waits for the first instead of downloading again.
 *
 * <p>Schemes: {@code http} and {@code https} (redirects followed, except https to http),
 * {@code file}, and {@code ftp} (through the JDK's URL handler).
 */
public final class SourceFetcher {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);
    /** A download that receives no byte for this long fails. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(120);

    private static final Logger log = LoggerFactory.getLogger(SourceFetcher.class);
    private static final ScheduledExecutorService WATCHDOG =
            Executors.newSingleThreadScheduledExecutor(DaemonThreadFactory.named("source-fetch-watchdog"));

    private final Path cacheDir;
    private final HttpClient http;
    private final Duration connectTimeout;
    private final Duration idleTimeout;
    private final Ticker ticker;
    /** Concurrent: one lock object per cache file being fetched, shared by all build threads. */
    private final ConcurrentHashMap<Path, Object> locks = new ConcurrentHashMap<>();
    /** Set once at start, read by the build threads: volatile. */
    private volatile Observer observer = Observer.NONE;

    /** Hears where each url source came from (metrics). Called on the fetching thread. */
    public interface Observer {
        Observer NONE = new Observer() {};

        /** The source was already in the cache. */
        default void cacheHit(String url) {}

        /** The source was downloaded, verified and cached: {@code bytes} went over the network. */
        default void downloaded(String url, long bytes) {}
    }

    /** A fetcher with the default timeouts. */
    public SourceFetcher(Path cacheDir) {
        this(cacheDir, DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT);
    }

    /**
     * @param cacheDir the cache folder (created when needed)
     * @param connectTimeout limit for connecting and for the response headers
     * @param idleTimeout a download that receives nothing for this long fails
     */
    public SourceFetcher(Path cacheDir, Duration connectTimeout, Duration idleTimeout) {
        this(cacheDir, connectTimeout, idleTimeout, Ticker.SYSTEM);
    }

    /**
     * The same, measuring download times and idle stretches on {@code ticker} (the watchdog looks
     * at it in real time, at most a second apart).
     */
    public SourceFetcher(Path cacheDir, Duration connectTimeout, Duration idleTimeout, Ticker ticker) {
        this.cacheDir = cacheDir.toAbsolutePath().normalize();
        this.connectTimeout = connectTimeout;
        this.idleTimeout = idleTimeout;
        this.ticker = ticker;
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(connectTimeout)
                .build();
    }

    public void observe(Observer observer) {
        this.observer = observer;
    }

    /** Where a source with these digests is cached (sha256 preferred). */
    public Path cachePath(String sha256, String md5) {
        if (sha256 != null && !sha256.isBlank()) {
            return cacheDir.resolve("sha256").resolve(sha256.toLowerCase(Locale.ROOT));
        }
        if (md5 != null && !md5.isBlank()) {
            return cacheDir.resolve("md5").resolve(md5.toLowerCase(Locale.ROOT));
        }
        throw new IllegalArgumentException("a url source needs sha256 or md5");
    }

    /** Fetches a url source (or finds it in the cache) and returns the cached file. */
    public Path fetch(Source source) throws IOException, InterruptedException {
        if (!source.isUrl()) {
            throw new IllegalArgumentException("not a url source: " + source.path());
        }
        return fetch(source.url(), source.sha256(), source.md5());
    }

    /**
     * Fetches {@code url} (or finds it in the cache), verifying every digest given.
     *
     * @return the cached file, named by its digest
     * @throws ChecksumMismatchException when the content does not match
     * @throws IOException when the download fails (the message names the URL and the reason)
     */
    public Path fetch(String url, String sha256, String md5) throws IOException, InterruptedException {
        Path target = cachePath(sha256, md5);
        if (Files.isRegularFile(target)) {
            log.debug("{}: cached as {}", url, target);
            observer.cacheHit(url);
            return target;
        }
        Object lock = locks.computeIfAbsent(target, k -> new Object());
        synchronized (lock) {
            try {
                if (Files.isRegularFile(target)) {
                    observer.cacheHit(url); // another attempt fetched it while this one waited
                    return target;
                }
                download(url, sha256, md5, target);
                return target;
            } finally {
                locks.remove(target, lock);
            }
        }
    }

    /** As {@link #stage(List, Workspace, PathSourceResolver)} for recipes with url sources only. */
    public List<Path> stage(List<Source> sources, Workspace workspace) throws IOException, InterruptedException {
        return stage(sources, workspace, PathSourceResolver.NONE);
    }

    /**
     * Puts every source of a recipe into the workspace's {@code sources/} folder under its file
     * name: url sources from the cache (copied, so a build can never alter the cache), path sources
     * from {@code resolver} (a folder is copied recursively).
     *
     * @return the staged files and folders, in source order
     */
    public List<Path> stage(List<Source> sources, Workspace workspace, PathSourceResolver resolver)
            throws IOException, InterruptedException {
        List<Path> staged = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Source source : sources) {
            String name = source.fileName();
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/")) {
                throw new IOException(
                        "source '" + (source.isUrl() ? source.url() : source.path()) + "' has no usable file name");
            }
            if (!names.add(name)) {
                throw new IOException("two sources are named '" + name + "': $FARM_SOURCES holds them by file name");
            }
            Path local = source.isUrl() ? fetch(source) : resolver.resolve(source);
            Path target = workspace.sources().resolve(name);
            if (Files.isDirectory(local)) {
                FileTrees.copyContents(local, target);
            } else {
                Files.copy(local, target, StandardCopyOption.REPLACE_EXISTING);
            }
            staged.add(target);
        }
        return staged;
    }

    private void download(String url, String sha256, String md5, Path target) throws IOException, InterruptedException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IOException(url + ": not a valid URL (" + e.getMessage() + ")", e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        Path tmpDir = cacheDir.resolve("tmp");
        Files.createDirectories(tmpDir);
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(tmpDir, target.getFileName().toString(), ".part");
        long start = ticker.nanos();
        try {
            Digests digests = new Digests(sha256, md5);
            long size;
            switch (scheme) {
                case "http", "https" -> size = downloadHttp(uri, url, tmp, digests);
                case "file" -> {
                    try (InputStream in = Files.newInputStream(Path.of(uri))) {
                        size = copy(in, tmp, digests, null);
                    } catch (java.nio.file.NoSuchFileException e) {
                        throw new IOException(url + ": no such file", e);
                    } catch (IllegalArgumentException e) {
                        throw new IOException(url + ": not a local file URL (" + e.getMessage() + ")", e);
                    } catch (IOException e) {
                        throw new IOException(url + ": " + describe(e), e);
                    }
                }
                case "ftp" -> size = downloadUrlConnection(uri, tmp, digests);
                default ->
                    throw new IOException(url + ": unsupported scheme '" + scheme + "' (http, https, ftp, file)");
            }
            digests.verify(url);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            log.info("{}: fetched {} bytes in {} ms into {}", url, size, (ticker.nanos() - start) / 1_000_000, target);
            observer.downloaded(url, size);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private long downloadHttp(URI uri, String url, Path tmp, Digests digests) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .GET()
                .timeout(connectTimeout.plus(idleTimeout))
                .header("User-Agent", "lfs-farm-worker")
                .build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new IOException(url + ": " + describe(e), e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException(
                        url + ": HTTP " + response.statusCode() + (response.statusCode() == 404 ? " (not found)" : ""));
            }
            return copy(body, tmp, digests, url);
        }
    }

    private long downloadUrlConnection(URI uri, Path tmp, Digests digests) throws IOException {
        URLConnection c = uri.toURL().openConnection();
        c.setConnectTimeout((int) connectTimeout.toMillis());
        c.setReadTimeout((int) idleTimeout.toMillis());
        try (InputStream in = c.getInputStream()) {
            return copy(in, tmp, digests, null);
        } catch (IOException e) {
            throw new IOException(uri + ": " + describe(e), e);
        }
    }

    /** Copies while digesting; with {@code watchUrl}, a stall longer than the idle timeout fails. */
    private long copy(InputStream in, Path tmp, Digests digests, String watchUrl) throws IOException {
        AtomicLong lastProgress = new AtomicLong(ticker.nanos());
        ScheduledFuture<?> watchdog = null;
        java.util.concurrent.atomic.AtomicBoolean stalled = new java.util.concurrent.atomic.AtomicBoolean();
        if (watchUrl != null) {
            long idle = idleTimeout.toNanos();
            long period = Math.max(100, Math.min(1000, idleTimeout.toMillis() / 4));
            watchdog = WATCHDOG.scheduleAtFixedRate(
                    () -> {
                        if (ticker.nanos() - lastProgress.get() > idle && stalled.compareAndSet(false, true)) {
                            try {
                                in.close();
                            } catch (IOException e) {
                                // the reader sees the closed stream
                            }
                        }
                    },
                    period,
                    period,
                    TimeUnit.MILLISECONDS);
        }
        long total = 0;
        try (OutputStream out = Files.newOutputStream(tmp)) {
            byte[] buf = new byte[64 << 10];
            int n;
            while ((n = in.read(buf)) >= 0) {
                digests.update(buf, n);
                out.write(buf, 0, n);
                total += n;
                lastProgress.set(ticker.nanos());
            }
        } catch (IOException e) {
            if (stalled.get()) {
                throw new InterruptedIOException(watchUrl + ": no data for " + idleTimeout.toSeconds() + " s");
            }
            if (watchUrl == null) {
                throw e;
            }
            throw new IOException(watchUrl + ": " + describe(e), e);
        } finally {
            if (watchdog != null) {
                watchdog.cancel(false);
            }
        }
        return total;
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    /** The digests of one download, computed on the fly. */
    private static final class Digests {
        private final String sha256;
        private final String md5;
        private final MessageDigest sha256Digest;
        private final MessageDigest md5Digest;

        Digests(String sha256, String md5) {
            this.sha256 = blankToNull(sha256);
            this.md5 = blankToNull(md5);
            try {
                this.sha256Digest = this.sha256 != null ? MessageDigest.getInstance("SHA-256") : null;
                this.md5Digest = this.md5 != null ? MessageDigest.getInstance("MD5") : null;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void update(byte[] buf, int n) {
            if (sha256Digest != null) {
                sha256Digest.update(buf, 0, n);
            }
            if (md5Digest != null) {
                md5Digest.update(buf, 0, n);
            }
        }

        void verify(String url) throws ChecksumMismatchException {
            if (sha256Digest != null) {
                check(url, "sha256", sha256, sha256Digest);
            }
            if (md5Digest != null) {
                check(url, "md5", md5, md5Digest);
            }
        }

        private static void check(String url, String algorithm, String expected, MessageDigest digest)
                throws ChecksumMismatchException {
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equalsIgnoreCase(expected)) {
                throw new ChecksumMismatchException(url, algorithm, expected.toLowerCase(Locale.ROOT), actual);
            }
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s.trim();
        }
    }
}
