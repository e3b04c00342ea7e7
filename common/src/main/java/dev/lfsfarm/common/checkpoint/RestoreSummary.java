package dev.lfsfarm.common.checkpoint;

/** A restored tree as the checkpoint's manifests describe it (a later package wins at a path). */
public record RestoreSummary(int packages, long files, long directories, long symlinks, long fileBytes) {}
