package dev.lfsfarm.coordinator.artifact;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lets tests wait for what the server has done, without sleeping: every inbound message,
 * cancellation and completion is queued as an event once the service has handled it, and
 * outbound messages are counted.
 */
final class CallProbe implements ServerInterceptor {

    /** Server-side call events, in order, recorded after the service handled them. */
    enum Event {
        MESSAGE,
        HALF_CLOSE,
        CANCEL,
        COMPLETE
    }

    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    final AtomicInteger sent = new AtomicInteger();
    /** Bare method name of every call, in the order calls started. */
    final List<String> methods = new CopyOnWriteArrayList<>();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        methods.add(call.getMethodDescriptor().getBareMethodName());
        ServerCall<Q, R> counting = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendMessage(R message) {
                sent.incrementAndGet();
                super.sendMessage(message);
            }
        };
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
                next.startCall(counting, headers)) {
            @Override
            public void onMessage(Q message) {
                super.onMessage(message);
                events.add(Event.MESSAGE);
            }

            @Override
            public void onHalfClose() {
                super.onHalfClose();
                events.add(Event.HALF_CLOSE);
            }

            @Override
            public void onCancel() {
                super.onCancel();
                events.add(Event.CANCEL);
            }

            @Override
            public void onComplete() {
                super.onComplete();
                events.add(Event.COMPLETE);
            }
        };
    }

    /** Waits (10 s at most) until {@code count} events of {@code kind} have been recorded; fails otherwise. */
    void await(Event kind, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int seen = 0;
        while (seen < count) {
            Event e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("timed out waiting for " + count + " " + kind + " events, saw " + seen);
            }
            if (e == kind) {
                seen++;
            }
        }
    }
}
