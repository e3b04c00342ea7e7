package dev.lfsfarm.worker.source;

import java.io.IOException;

/**
 * A fetched source does not have the digest its recipe gives. Nothing is cached in that case, so
 * a retry fetches again (the mirror may have been fixed, or the recipe's digest corrected).
 */
public final class ChecksumMismatchException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String url;
    private final String algorithm;
    private final String expected;
    private final String actual;

    public ChecksumMismatchException(String url, String algorithm, String expected, String actual) {
        super(url + ": " + algorithm + " mismatch: the recipe expects " + expected + " but the download has " + actual);
        this.url = url;
        this.algorithm = algorithm;
        this.expected = expected;
        this.actual = actual;
    }

    public String url() {
        return url;
    }

    /** "sha256" or "md5". */
    public String algorithm() {
        return algorithm;
    }

    public String expected() {
        return expected;
    }

    public String actual() {
        return actual;
    }
}
