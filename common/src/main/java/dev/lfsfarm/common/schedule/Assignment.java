package dev.lfsfarm.common.schedule;

/**
 * A placement decision: build {@code task} on {@code worker} with {@code cores} cores.
 *
 * @param task the package's index in the resolved graph
 * @param id the package id
 * @param worker the worker's name
 * @param cores cores granted (1 up to the recipe's parallel_jobs)
 */
public record Assignment(int task, String id, String worker, int cores) {}
