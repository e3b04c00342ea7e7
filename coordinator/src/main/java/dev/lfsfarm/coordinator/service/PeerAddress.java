package dev.lfsfarm.coordinator.service;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.SocketAddress;

/** Puts the caller's address in the gRPC context, so logs can say where a worker connected from. */
public final class PeerAddress implements ServerInterceptor {
    private static final Context.Key<String> PEER = Context.key("farm-peer");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        Context context = Context.current().withValue(PEER, address == null ? "in-process" : address.toString());
        return Contexts.interceptCall(context, call, headers, next);
    }

    /** The current caller's address, or "unknown" outside an intercepted call. */
    public static String current() {
        String peer = PEER.get();
        return peer == null ? "unknown" : peer;
    }
}
