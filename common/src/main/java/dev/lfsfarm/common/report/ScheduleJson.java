package dev.lfsfarm.common.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.lfsfarm.common.graph.DroppedEdge;
import dev.lfsfarm.common.simulate.LostRun;
import dev.lfsfarm.common.simulate.ScheduledRun;
import dev.lfsfarm.common.simulate.SimulationResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * The stable JSON form of a plan or simulation (documented in docs/reference/cli.md). Times are
 * seconds as exact decimals. Fields are only ever added, never renamed or removed.
 */
public final class ScheduleJson {
    private ScheduleJson() {}

    /** A pretty-printing generator that leaves {@code out} open (it is usually the CLI's stdout). */
    public static JsonGenerator generator(Writer out) throws IOException {
        JsonGenerator json = new JsonFactory().createGenerator(out);
        json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        json.useDefaultPrettyPrinter();
        return json;
    }

    public static void write(SimulationResult result, String policy, double sbuSeconds, Writer out) {
        write(result, policy, sbuSeconds, java.util.Map.of(), out);
    }

    /**
     * With {@code estimates} (package id to "learned" or "book", from {@code farm plan --learned}) as
     * an {@code "estimates"} object; none is written when it is empty.
     */
    public static void write(
            SimulationResult result,
            String policy,
            double sbuSeconds,
            java.util.Map<String, String> estimates,
            Writer out) {
        try (JsonGenerator json = generator(out)) {
            json.writeStartObject();
            json.writeFieldName("makespan_seconds");
            json.writeNumber(Seconds.of(result.makespanMicros()));
            json.writeFieldName("lower_bound_seconds");
            json.writeNumber(Seconds.of(result.lowerBoundMicros()));
            json.writeFieldName("critical_path_seconds");
            json.writeNumber(Seconds.of(result.criticalPathMicros()));
            json.writeArrayFieldStart("critical_path");
            for (String id : result.criticalPath()) {
                json.writeString(id);
            }
            json.writeEndArray();
            json.writeStringField("policy", policy);
            json.writeNumberField("workers", result.config().workers());
            json.writeNumberField("cores_per_worker", result.config().coresPerWorker());
            json.writeNumberField("sbu_seconds", sbuSeconds);
            json.writeNumberField(
                    "packages", result.schedule().size() + result.unbuilt().size());
            writeSchedule(json, result);
            writeDroppedEdges(json, result.droppedEdges());
            writeLosses(json, result);
            if (!estimates.isEmpty()) {
                json.writeObjectFieldStart("estimates");
                for (var e : estimates.entrySet()) {
                    json.writeStringField(e.getKey(), e.getValue());
                }
                json.writeEndObject();
            }
            json.writeEndObject();
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeSchedule(JsonGenerator json, SimulationResult result) throws IOException {
        json.writeArrayFieldStart("schedule");
        for (ScheduledRun run : result.schedule()) {
            json.writeStartObject();
            writeRunStart(json, run.id(), run.worker(), run.cores(), run.startMicros());
            json.writeFieldName("end");
            json.writeNumber(Seconds.of(run.endMicros()));
            json.writeEndObject();
        }
        json.writeEndArray();
    }

    /** The fields a scheduled run and a lost one share: {@code id, worker, cores, start}. */
    private static void writeRunStart(JsonGenerator json, String id, String worker, int cores, long startMicros)
            throws IOException {
        json.writeStringField("id", id);
        json.writeStringField("worker", worker);
        json.writeNumberField("cores", cores);
        json.writeFieldName("start");
        json.writeNumber(Seconds.of(startMicros));
    }

    /** What lost workers cost: requeues, wasted work, and the packages never built (empty without losses). */
    private static void writeLosses(JsonGenerator json, SimulationResult result) throws IOException {
        json.writeNumberField("requeues", result.requeues());
        json.writeFieldName("lost_work_seconds");
        json.writeNumber(Seconds.of(result.lostWorkMicros()));
        json.writeArrayFieldStart("lost_runs");
        for (LostRun run : result.lostRuns()) {
            json.writeStartObject();
            writeRunStart(json, run.id(), run.worker(), run.cores(), run.startMicros());
            json.writeFieldName("lost_at");
            json.writeNumber(Seconds.of(run.lostAtMicros()));
            json.writeBooleanField("requeued", run.requeued());
            json.writeEndObject();
        }
        json.writeEndArray();
        json.writeObjectFieldStart("unbuilt");
        for (var e : result.unbuilt().entrySet()) {
            json.writeStringField(e.getKey(), e.getValue());
        }
        json.writeEndObject();
    }

    /** {@code "dropped_edges": [{"from","to","class","cycle","reason"}]}, shared with the graph JSON. */
    public static void writeDroppedEdges(JsonGenerator json, java.util.List<DroppedEdge> dropped) throws IOException {
        json.writeArrayFieldStart("dropped_edges");
        for (DroppedEdge d : dropped) {
            json.writeStartObject();
            json.writeStringField("from", d.edge().from());
            json.writeStringField("to", d.edge().to());
            json.writeStringField("class", d.edge().dependencyClass().key());
            json.writeStringField("cycle", d.cycle() == null ? null : d.cycle().toString());
            json.writeStringField("reason", d.reason());
            json.writeEndObject();
        }
        json.writeEndArray();
    }
}
