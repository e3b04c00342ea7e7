package dev.lfsfarm.common.graph;

/**
 * An edge removed to break a cycle.
 *
 * @param edge the edge dropped
 * @param cycle the cycle it broke ({@code null} when a profile rule dropped it up front)
 * @param reason why: "--break-cycles", or the profile rule
 */
public record DroppedEdge(Edge edge, Cycle cycle, String reason) {
    @Override
    public String toString() {
        return "dropped " + edge + (cycle == null ? "" : " to break " + cycle) + " (" + reason + ")";
    }
}
