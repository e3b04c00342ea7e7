package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.common.action.ActionKeys;
import dev.lfsfarm.common.error.FarmException;
import dev.lfsfarm.common.graph.DependencyResolver;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.lifecycle.LifecycleContext;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.wire.BookMessages;
import dev.lfsfarm.coordinator.workers.WorkerRegistry;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a submitted request into a build's lifecycle: checks a calibration request, resolves the
 * book's graph for the targets and profile, computes the action keys, and names new builds.
 * INVALID_ARGUMENT or FAILED_PRECONDITION when the request cannot be built.
 */
final class BuildResolver {
    private static final Logger log = LoggerFactory.getLogger(BuildResolver.class);
    private static final DateTimeFormatter BUILD_ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final String arch;
    private final LifecycleContext context;
    private final Clock clock;

    BuildResolver(String arch, LifecycleContext context, Clock clock) {
        this.arch = arch;
        this.context = context;
        this.clock = clock;
    }

    /** A calibration build names a connected worker and one target worth some SBU; it never uses the cache. */
    SubmitBuildRequest checkCalibration(SubmitBuildRequest request, WorkerRegistry workers) {
        String worker = request.getCalibrateWorker();
        if (worker.isEmpty()) {
            return request;
        }
        if (!workers.isConnected(worker)) {
            throw FarmException.precondition("cannot calibrate worker '" + worker + "': it is not connected");
        }
        if (request.getTargetsCount() != 1) {
            throw FarmException.invalid("a calibration build has exactly one target (the SBU reference package), got "
                    + request.getTargetsCount());
        }
        String target = request.getTargets(0);
        boolean worthSomething = request.getBook().getRecipesList().stream()
                .anyMatch(r -> r.getId().equals(target) && r.getSbu() > 0);
        if (!worthSomething) {
            throw FarmException.invalid("the SBU reference package '" + target
                    + "' must be in the book with an sbu above 0 (1 for binutils pass 1)");
        }
        return request.toBuilder().setNoCache(true).build();
    }

    String newBuildId() {
        return LocalDateTime.now(clock.withZone(ZoneOffset.UTC)).format(BUILD_ID) + "-"
                + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    }

    /** A stored build again (a takeover or restart); null, logged, when its request no longer resolves. */
    BuildLifecycle createOrLog(SubmitBuildRequest request, String id) {
        try {
            return create(request, id);
        } catch (FarmException e) {
            log.error("build {} cannot be restored: {}", id, e.getMessage());
            return null;
        }
    }

    BuildLifecycle create(SubmitBuildRequest request, String id) {
        try {
            Book book = BookMessages.fromProto(
                    request.getBook(), "submitted book " + request.getBook().getName());
            String profile = request.getProfile().isEmpty() ? null : request.getProfile();
            ResolvedGraph graph = new DependencyResolver(book, book.profile(profile), request.getBreakCycles())
                    .resolve(request.getTargetsList());
            String[] keys = ActionKeys.compute(graph, arch);
            return new BuildLifecycle(id, request, graph, keys, context);
        } catch (InputException e) {
            List<String> lines = e.errors().stream().map(InputError::toString).toList();
            throw FarmException.invalid(String.join("\n", lines));
        }
    }
}
