package dev.lfsfarm.coordinator.results;

import com.google.protobuf.ByteString;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.error.FarmException;
import dev.lfsfarm.common.lifecycle.Attempt;
import dev.lfsfarm.coordinator.dispatch.ResultCache;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.FailureKind;
import dev.lfsfarm.proto.v1.ResultAck;
import dev.lfsfarm.proto.v1.ResultRejectReason;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes in the results workers send: stores the artifact and manifest sent inline (on the caller's
 * thread), then decides on the dispatch thread whether a result may be applied, or is rejected and
 * why (another worker's attempt, superseded or unknown, a stale epoch, an artifact not stored).
 */
public final class ResultIntake {
    private static final Logger log = LoggerFactory.getLogger(ResultIntake.class);

    private final ResultCache cache;
    private final long epoch;

    public ResultIntake(ResultCache cache, long epoch) {
        this.cache = cache;
        this.epoch = epoch;
    }

    /**
     * Stores the artifact and manifest a worker sent inline (small ones, instead of uploading them)
     * and returns the result without their bytes. Bytes that do not match their digest (or are over
     * the limit) are the worker's fault: the attempt counts as failed to upload. A store that cannot
     * write is this coordinator's: UNAVAILABLE, so the worker keeps the result and sends it again.
     */
    public AttemptResult storeInline(AttemptResult result) {
        if (result.getArtifactInline().isEmpty() && result.getManifestInline().isEmpty()) {
            return result;
        }
        AttemptResult.Builder stripped =
                result.toBuilder().clearArtifactInline().clearManifestInline();
        if (result.getOutcome() != AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED) {
            return stripped.build();
        }
        String problem = null;
        try {
            if (!stored(result.getManifest(), result.getManifestInline())) {
                problem = "the manifest sent with the result does not match its digest or is over "
                        + ArtifactClient.INLINE_MAX_BYTES + " bytes";
            } else if (!stored(result.getArtifact(), result.getArtifactInline())) {
                problem = "the artifact sent with the result does not match its digest or is over "
                        + ArtifactClient.INLINE_MAX_BYTES + " bytes";
            }
        } catch (IOException e) {
            log.error("cannot store the blobs attempt {} sent inline: {}", result.getAttemptId(), e.toString());
            throw FarmException.unavailable("cannot store the artifact sent with the result: " + e.getMessage());
        }
        if (problem != null) {
            log.warn("attempt {}: {}", result.getAttemptId(), problem);
            stripped.setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
                    .setFailureKind(FailureKind.FAILURE_KIND_UPLOAD_FAILED)
                    .setFailureReason(problem);
        }
        return stripped.build();
    }

    /** Stores one inline blob; false when it is over the limit or does not match its digest. */
    private boolean stored(Digest digest, ByteString bytes) throws IOException {
        if (bytes.isEmpty()) {
            return true;
        }
        return bytes.size() <= ArtifactClient.INLINE_MAX_BYTES && cache.putBlob(digest, bytes.toByteArray());
    }

    /**
     * Why the result from {@code worker} cannot be applied, as the negative ack to send; empty when
     * it can. {@code current} is the attempt it names, if that is current.
     */
    public Optional<ResultAck> rejection(String worker, AttemptResult result, Optional<Attempt> current) {
        ResultAck.Builder ack = ResultAck.newBuilder().setAttemptId(result.getAttemptId());
        Attempt a = current.orElse(null);
        if (a != null && !a.worker().equals(worker)) {
            log.warn("rejected a result of attempt {} from {}: it runs on {}", a.id(), worker, a.worker());
            return Optional.of(ack.setAccepted(false)
                    .setRejectReason(ResultRejectReason.RESULT_REJECT_REASON_UNKNOWN_ATTEMPT)
                    .setMessage("attempt " + a.id() + " is not assigned to worker " + worker)
                    .build());
        }
        if (a == null) {
            log.warn("rejected a result for unknown or superseded attempt {} from {}", result.getAttemptId(), worker);
            return Optional.of(ack.setAccepted(false)
                    .setRejectReason(ResultRejectReason.RESULT_REJECT_REASON_SUPERSEDED_ATTEMPT)
                    .setMessage("attempt " + result.getAttemptId()
                            + " is not current (superseded or unknown); result ignored")
                    .build());
        }
        if (result.getEpoch() != 0 && result.getEpoch() < epoch) {
            log.warn("rejected a result of attempt {} with stale epoch {} (now {})", a.id(), result.getEpoch(), epoch);
            return Optional.of(ack.setAccepted(false)
                    .setRejectReason(ResultRejectReason.RESULT_REJECT_REASON_STALE_EPOCH)
                    .setMessage("epoch " + result.getEpoch() + " is older than " + epoch)
                    .build());
        }
        if (result.getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED
                && !cache.hasBlob(result.getArtifact().getSha256())) {
            return Optional.of(ack.setAccepted(false)
                    .setRejectReason(ResultRejectReason.RESULT_REJECT_REASON_ARTIFACT_MISSING)
                    .setMessage("artifact " + result.getArtifact().getSha256()
                            + " is not in the store; upload it and resend")
                    .build());
        }
        return Optional.empty();
    }
}
