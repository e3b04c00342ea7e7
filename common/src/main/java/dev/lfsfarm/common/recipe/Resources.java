package dev.lfsfarm.common.recipe;

/** What a build needs from a worker besides cores: memory and scratch disk, in MiB. */
public record Resources(int memoryMb, int diskMb) {
    /** Built-in defaults when neither the recipe nor the book's defaults say. */
    public static final Resources DEFAULT = new Resources(512, 0);
}
