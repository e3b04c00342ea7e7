package dev.lfsfarm.worker.source;

import dev.lfsfarm.common.recipe.Source;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Finds the local copy of a {@code path} source (a file or folder of the book, uploaded at submit
 * and downloaded by the worker from the artifact store). Supplied by the caller of
 * {@link SourceFetcher#stage}.
 */
@FunctionalInterface
public interface PathSourceResolver {

    /** Rejects every path source; for recipes that have none. */
    PathSourceResolver NONE = source -> {
        throw new IOException("no local copy of path source '" + source.path() + "'");
    };

    /** The local file or folder holding {@code source}. */
    Path resolve(Source source) throws IOException;
}
