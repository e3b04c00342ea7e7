package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.common.error.FarmException;
import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The builds this dispatcher knows, in submit order, by id and by the request id that created them
 * (a retried submit returns the same build). Confined to the dispatch thread.
 */
final class BuildTable {
    private final Map<String, BuildLifecycle> builds = new LinkedHashMap<>();
    private final Map<String, String> byRequestId = new HashMap<>();

    void add(BuildLifecycle build) {
        builds.put(build.id(), build);
        String requestId = build.spec().getRequestId();
        if (!requestId.isEmpty()) {
            byRequestId.put(requestId, build.id());
        }
    }

    /** The build a request id created; null for none (or an empty id). */
    BuildLifecycle byRequestId(String requestId) {
        String id = requestId.isEmpty() ? null : byRequestId.get(requestId);
        return id == null ? null : builds.get(id);
    }

    /** The build by id; NOT_FOUND when there is none. */
    BuildLifecycle find(String buildId) {
        BuildLifecycle build = builds.get(buildId);
        if (build == null) {
            throw FarmException.notFound("no build '" + buildId + "'");
        }
        return build;
    }

    BuildLifecycle get(String buildId) {
        return builds.get(buildId);
    }

    Collection<BuildLifecycle> all() {
        return builds.values();
    }

    /** Held attempts of every build that no worker has reported since the takeover. */
    Set<String> orphans() {
        Set<String> all = new LinkedHashSet<>();
        builds.values().forEach(b -> all.addAll(b.orphans()));
        return all;
    }
}
