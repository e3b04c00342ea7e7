package dev.lfsfarm.common.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Finds cycles in an ordering graph given as adjacency lists of node indices. Strongly connected
 * components come from an iterative Tarjan pass (no recursion, so 100,000 nodes are fine); inside
 * each component the elementary cycles are listed, in a deterministic order, up to a cap.
 */
final class CycleFinder {
    /** Listing every elementary cycle can explode; past this many the report says "and more". */
    static final int MAX_CYCLES = 100;
    /** Depth-first steps allowed per start node, so a dense component cannot stall the report. */
    static final int MAX_STEPS = 200_000;

    private final int[][] adjacency;

    CycleFinder(int[][] adjacency) {
        this.adjacency = adjacency;
    }

    /** Cycles as node index lists (first node not repeated at the end); empty when the graph is acyclic. */
    List<int[]> cycles() {
        List<int[]> result = new ArrayList<>();
        int[] component = components();
        int n = adjacency.length;
        int[] size = new int[n];
        for (int c : component) {
            size[c]++;
        }
        for (int start = 0; start < n && result.size() < MAX_CYCLES; start++) {
            if (size[component[start]] > 1) {
                cyclesThrough(start, component, result);
            }
        }
        return result;
    }

    /** Cycles whose smallest node is {@code start}, found by depth-first search over larger nodes of its component. */
    private void cyclesThrough(int start, int[] component, List<int[]> result) {
        Deque<int[]> stack = new ArrayDeque<>(); // frames: {node, next edge position}
        List<Integer> path = new ArrayList<>();
        boolean[] onPath = new boolean[adjacency.length];
        stack.push(new int[] {start, 0});
        path.add(start);
        onPath[start] = true;
        int steps = 0;
        while (!stack.isEmpty() && result.size() < MAX_CYCLES && steps++ < MAX_STEPS) {
            int[] frame = stack.peek();
            int node = frame[0];
            if (frame[1] >= adjacency[node].length) {
                stack.pop();
                path.remove(path.size() - 1);
                onPath[node] = false;
                continue;
            }
            int next = adjacency[node][frame[1]++];
            if (next == start) {
                result.add(path.stream().mapToInt(Integer::intValue).toArray());
            } else if (next > start && !onPath[next] && component[next] == component[start]) {
                stack.push(new int[] {next, 0});
                path.add(next);
                onPath[next] = true;
            }
        }
    }

    /** Tarjan's algorithm, iterative: the component id of every node. */
    int[] components() {
        int n = adjacency.length;
        int[] index = new int[n];
        int[] low = new int[n];
        int[] component = new int[n];
        int[] edgePos = new int[n];
        boolean[] onStack = new boolean[n];
        Arrays.fill(index, -1);
        int[] sccStack = new int[n];
        int sccTop = 0;
        int[] callStack = new int[n];
        int counter = 0;
        int components = 0;
        for (int root = 0; root < n; root++) {
            if (index[root] >= 0) {
                continue;
            }
            int callTop = 0;
            callStack[callTop++] = root;
            index[root] = low[root] = counter++;
            sccStack[sccTop++] = root;
            onStack[root] = true;
            while (callTop > 0) {
                int v = callStack[callTop - 1];
                if (edgePos[v] < adjacency[v].length) {
                    int w = adjacency[v][edgePos[v]++];
                    if (index[w] < 0) {
                        index[w] = low[w] = counter++;
                        sccStack[sccTop++] = w;
                        onStack[w] = true;
                        callStack[callTop++] = w;
                    } else if (onStack[w]) {
                        low[v] = Math.min(low[v], index[w]);
                    }
                    continue;
                }
                callTop--;
                if (callTop > 0) {
                    int parent = callStack[callTop - 1];
                    low[parent] = Math.min(low[parent], low[v]);
                }
                if (low[v] == index[v]) {
                    int w;
                    do {
                        w = sccStack[--sccTop];
                        onStack[w] = false;
                        component[w] = components;
                    } while (w != v);
                    components++;
                }
            }
        }
        return component;
    }
}
