package dev.lfsfarm.common.recipe;

import dev.lfsfarm.common.input.Location;

/**
 * One source of a recipe: either a {@code url} fetched by the worker and verified against
 * {@code sha256} or {@code md5}, or a {@code path} inside the book uploaded at submit.
 */
public record Source(String url, String path, String sha256, String md5, Location location) {

    public boolean isUrl() {
        return url != null;
    }

    /** The file name the source gets in {@code $FARM_SOURCES}. */
    public String fileName() {
        String ref = isUrl() ? url : path;
        String trimmed = ref.endsWith("/") ? ref.substring(0, ref.length() - 1) : ref;
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }
}
