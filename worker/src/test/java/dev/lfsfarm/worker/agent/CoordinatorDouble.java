package dev.lfsfarm.worker.agent;

import dev.lfsfarm.common.leader.CoordinatorLocator;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.CoordinatorMessage;
import dev.lfsfarm.proto.v1.Hello;
import dev.lfsfarm.proto.v1.ResultAck;
import dev.lfsfarm.proto.v1.Welcome;
import dev.lfsfarm.proto.v1.WorkerMessage;
import dev.lfsfarm.proto.v1.WorkerServiceGrpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A coordinator the test drives by hand, in-process: each Connect stream becomes a {@link Session}
 * the test welcomes, assigns on and breaks; or, as a standby or a deposed coordinator, the
 * Hello is refused with a status the test chose. Its name looks like HOST:PORT, so it can stand in
 * a coordinator list.
 */
final class CoordinatorDouble implements AutoCloseable {
    static final Duration PATIENCE = Duration.ofSeconds(20);

    final String address;
    private final Server server;
    private final BlockingQueue<Session> sessions = new LinkedBlockingQueue<>();
    private final BlockingQueue<Hello> refusedHellos = new LinkedBlockingQueue<>();
    private volatile StatusRuntimeException refusal;

    CoordinatorDouble(String name) throws IOException {
        this.address = name + "-" + UUID.randomUUID().toString().substring(0, 8) + ":7070";
        this.server = InProcessServerBuilder.forName(address)
                .directExecutor()
                .addService(new Service())
                .build()
                .start();
    }

    /** Refuses every Hello from now on, as a standby naming {@code leader}. */
    CoordinatorDouble standbyFor(String leader) {
        Metadata trailers = new Metadata();
        trailers.put(CoordinatorLocator.LEADER_TRAILER, leader);
        refusal = Status.FAILED_PRECONDITION
                .withDescription("not the leader; leader is " + leader + " (epoch 9)")
                .asRuntimeException(trailers);
        return this;
    }

    /** Refuses every Hello from now on with {@code status} (null: accepts them again). */
    CoordinatorDouble refuse(Status status) {
        refusal = status == null ? null : status.asRuntimeException();
        return this;
    }

    /** The next stream that said Hello here (and was not refused). */
    Session awaitSession() throws InterruptedException {
        Session s = sessions.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        if (s == null) {
            throw new AssertionError("no worker connected to " + address + " within " + PATIENCE.toSeconds() + " s");
        }
        return s;
    }

    /** The next stream that said Hello here within {@code wait}, or null. */
    Session pollSession(Duration wait) throws InterruptedException {
        return sessions.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next Hello this coordinator refused. */
    Hello awaitRefusedHello() throws InterruptedException {
        Hello h = refusedHellos.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        if (h == null) {
            throw new AssertionError("no Hello reached " + address + " within " + PATIENCE.toSeconds() + " s");
        }
        return h;
    }

    /** The next Hello this coordinator refused within {@code wait}, or null. */
    Hello pollRefusedHello(Duration wait) throws InterruptedException {
        return refusedHellos.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** One Connect stream, after its Hello. */
    static final class Session {
        final Hello hello;
        private final StreamObserver<CoordinatorMessage> out;
        private final BlockingQueue<WorkerMessage> received = new LinkedBlockingQueue<>();
        private volatile boolean ended;

        Session(Hello hello, StreamObserver<CoordinatorMessage> out) {
            this.hello = hello;
            this.out = out;
        }

        /** Answers the Hello: this coordinator leads with {@code epoch} and adopts {@code adopted}. */
        void welcome(long epoch, String... adopted) {
            welcome(epoch, Duration.ofMillis(100), adopted);
        }

        /** The same, asking for a heartbeat every {@code heartbeatInterval}. */
        void welcome(long epoch, Duration heartbeatInterval, String... adopted) {
            send(CoordinatorMessage.newBuilder()
                    .setWelcome(Welcome.newBuilder()
                            .setLeaderEpoch(epoch)
                            .setHeartbeatInterval(ProtoTime.duration(heartbeatInterval))
                            .setLeaseTimeout(ProtoTime.duration(Duration.ofSeconds(30)))
                            .addAllAdoptedAttemptIds(List.of(adopted)))
                    .build());
        }

        void assign(Assign assign) {
            send(CoordinatorMessage.newBuilder().setAssign(assign).build());
        }

        void ack(String attemptId) {
            send(CoordinatorMessage.newBuilder()
                    .setResultAck(ResultAck.newBuilder().setAttemptId(attemptId).setAccepted(true))
                    .build());
        }

        /** Breaks the stream as a failover would. */
        synchronized void end(Status status) {
            if (!ended) {
                ended = true;
                out.onError(status.asRuntimeException());
            }
        }

        /** Sends unless the worker already left the stream (then the message is lost, as on a real wire). */
        private synchronized void send(CoordinatorMessage message) {
            try {
                out.onNext(message);
            } catch (StatusRuntimeException e) {
                ended = true;
            }
        }

        /** The next message from the worker within {@code wait} that {@code wanted} accepts, or null. */
        WorkerMessage poll(Predicate<WorkerMessage> wanted, Duration wait) throws InterruptedException {
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                WorkerMessage m = left <= 0 ? null : received.poll(left, TimeUnit.NANOSECONDS);
                if (m == null || wanted.test(m)) {
                    return m;
                }
            }
        }

        /** The next message from the worker that {@code wanted} accepts; others are skipped. */
        WorkerMessage await(String what, Predicate<WorkerMessage> wanted) throws InterruptedException {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                WorkerMessage m = left <= 0 ? null : received.poll(left, TimeUnit.NANOSECONDS);
                if (m == null) {
                    throw new AssertionError("no " + what + " from the worker within " + PATIENCE.toSeconds() + " s");
                }
                if (wanted.test(m)) {
                    return m;
                }
            }
        }
    }

    private final class Service extends WorkerServiceGrpc.WorkerServiceImplBase {
        @Override
        public StreamObserver<WorkerMessage> connect(StreamObserver<CoordinatorMessage> out) {
            return new StreamObserver<>() {
                private Session session;

                @Override
                public void onNext(WorkerMessage message) {
                    if (session != null) {
                        session.received.add(message);
                        return;
                    }
                    StatusRuntimeException refused = refusal;
                    if (refused != null) {
                        refusedHellos.add(message.getHello());
                        out.onError(refused);
                        return;
                    }
                    session = new Session(message.getHello(), out);
                    sessions.add(session);
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    if (session != null) {
                        session.end(Status.OK.withDescription("worker left"));
                    }
                }
            };
        }
    }
}
