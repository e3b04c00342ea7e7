package dev.lfsfarm.coordinator.service;

import dev.lfsfarm.coordinator.dispatch.Dispatcher;
import dev.lfsfarm.coordinator.workers.WorkerSession;
import dev.lfsfarm.proto.v1.CoordinatorMessage;
import dev.lfsfarm.proto.v1.ResultAck;
import dev.lfsfarm.proto.v1.WorkerMessage;
import dev.lfsfarm.proto.v1.WorkerServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The worker-opened Connect stream: hands each message to the dispatcher. */
public final class WorkerServiceImpl extends WorkerServiceGrpc.WorkerServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(WorkerServiceImpl.class);

    private final Supplier<Dispatcher> dispatchers;

    /** @param dispatchers the leader's current dispatcher; a stream stays with the one it started on */
    public WorkerServiceImpl(Supplier<Dispatcher> dispatchers) {
        this.dispatchers = dispatchers;
    }

    public WorkerServiceImpl(Dispatcher dispatcher) {
        this(() -> dispatcher);
    }

    @Override
    public StreamObserver<WorkerMessage> connect(StreamObserver<CoordinatorMessage> responses) {
        Dispatcher dispatcher = dispatchers.get();
        WorkerSession session = new WorkerSession(responses, PeerAddress.current(), dispatcher.ticker());
        return new StreamObserver<>() {
            private boolean helloSeen;

            @Override
            public void onNext(WorkerMessage message) {
                session.touch();
                if (!helloSeen && message.getMessageCase() != WorkerMessage.MessageCase.HELLO) {
                    fail(Status.INVALID_ARGUMENT.withDescription("the first message must be Hello"));
                    return;
                }
                switch (message.getMessageCase()) {
                    case HELLO -> {
                        if (helloSeen) {
                            fail(Status.INVALID_ARGUMENT.withDescription("a second Hello on the same stream"));
                            return;
                        }
                        helloSeen = true;
                        dispatcher.hello(session, message.getHello());
                    }
                    case HEARTBEAT -> {}
                    case LOG_CHUNK ->
                        dispatcher.logChunk(
                                message.getLogChunk().getAttemptId(),
                                message.getLogChunk().getData().toByteArray());
                    case PROGRESS -> dispatcher.progress(message.getProgress());
                    case RESULT ->
                        dispatcher.result(session, message.getResult()).whenComplete((ack, error) -> {
                            if (error == null) {
                                send(CoordinatorMessage.newBuilder()
                                        .setResultAck(ack)
                                        .build());
                            } else if (StatusMapping.of(error).getCode() == Status.Code.UNAVAILABLE) {
                                // Deposed or stopping: no verdict at all. The worker keeps the result and
                                // resends it to the next leader; an ack here would make it drop the result.
                                fail(StatusMapping.of(error));
                            } else {
                                log.error(
                                        "result of attempt {} could not be applied",
                                        message.getResult().getAttemptId(),
                                        error);
                                send(CoordinatorMessage.newBuilder()
                                        .setResultAck(ResultAck.newBuilder()
                                                .setAttemptId(
                                                        message.getResult().getAttemptId())
                                                .setAccepted(false)
                                                .setMessage("coordinator error: " + error.getMessage()))
                                        .build());
                            }
                        });
                    default -> fail(Status.INVALID_ARGUMENT.withDescription("empty or unknown worker message"));
                }
            }

            private void send(CoordinatorMessage message) {
                session.send(message);
            }

            private void fail(Status status) {
                session.close(status);
                dispatcher.streamClosed(session);
            }

            @Override
            public void onError(Throwable t) {
                dispatcher.streamClosed(session);
            }

            @Override
            public void onCompleted() {
                session.complete();
                dispatcher.streamClosed(session);
            }
        };
    }
}
