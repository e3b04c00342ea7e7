package dev.lfsfarm.cli.remote;

import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.schedule.CriticalPath;
import dev.lfsfarm.proto.v1.BookEstimate;
import dev.lfsfarm.proto.v1.EstimateSource;
import dev.lfsfarm.proto.v1.GetEstimatesRequest;
import dev.lfsfarm.proto.v1.GetEstimatesResponse;
import dev.lfsfarm.proto.v1.HistoryServiceGrpc;
import dev.lfsfarm.proto.v1.PackageEstimate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one-core SBU of every package of a graph and where it comes from: learned by a farm from
 * measured history ({@code farm plan --learned}), or the book's.
 *
 * @param sbu estimate per task, in graph order
 * @param sources package id to "learned" or "book", in graph order
 * @param learnedCount how many packages have a learned estimate
 * @param from where the learned estimates came from ("" for book only)
 */
public record LearnedEstimates(double[] sbu, Map<String, String> sources, int learnedCount, String from) {
    public static final String LEARNED = "learned";
    public static final String BOOK = "book";

    /** The book's figures for every package. */
    public static LearnedEstimates book(ResolvedGraph graph) {
        Map<String, String> sources = new LinkedHashMap<>();
        for (int i = 0; i < graph.size(); i++) {
            sources.put(graph.id(i), BOOK);
        }
        return new LearnedEstimates(CriticalPath.bookSbu(graph), sources, 0, "");
    }

    /** Asks the leading coordinator for its estimates of every package of {@code graph}. */
    public static LearnedEstimates fetch(CoordinatorOptions coordinator, ResolvedGraph graph) throws Exception {
        GetEstimatesRequest.Builder request = GetEstimatesRequest.newBuilder();
        for (int i = 0; i < graph.size(); i++) {
            request.addPackages(BookEstimate.newBuilder()
                    .setPackageId(graph.id(i))
                    .setBookSbu(graph.recipe(i).sbu()));
        }
        GetEstimatesResponse response = RemoteCall.with(
                coordinator,
                (stub, channel) -> HistoryServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .getEstimates(request.build()));
        double[] sbu = new double[graph.size()];
        Map<String, String> sources = new LinkedHashMap<>();
        int learned = 0;
        for (int i = 0; i < graph.size(); i++) {
            PackageEstimate e = response.getEstimates(i);
            boolean fromHistory = e.getSource() == EstimateSource.ESTIMATE_SOURCE_LEARNED;
            sbu[i] = e.getSbu();
            sources.put(graph.id(i), fromHistory ? LEARNED : BOOK);
            learned += fromHistory ? 1 : 0;
        }
        return new LearnedEstimates(sbu, sources, learned, coordinator.source().describe());
    }
}
