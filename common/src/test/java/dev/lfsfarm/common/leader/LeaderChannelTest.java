package dev.lfsfarm.common.leader;

import static dev.lfsfarm.common.leader.TestCoordinator.whoAnswers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LeaderChannelTest {
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private TestCoordinator coordinator(String name) throws Exception {
        TestCoordinator c = TestCoordinator.start(name);
        closing.add(c);
        return c;
    }

    @Test
    void followsAStandbysRedirectToTheLeader() throws Exception {
        TestCoordinator a = coordinator("a");
        TestCoordinator b = coordinator("b");
        a.standBy(b.address());
        List<ManagedChannel> made = new ArrayList<>();
        LeaderChannel channel =
                LeaderChannel.open(StaticCoordinatorList.parse(a.address() + "," + b.address()), address -> {
                    ManagedChannel c = LeaderChannel.plaintext(address);
                    made.add(c);
                    return c;
                });
        closing.add(channel);

        assertThat(channel.resolve()).isEqualTo(a.address());
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () -> whoAnswers(channel));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(channel.failed(a.address(), refused)).isEqualTo(LeaderChannel.Failure.REDIRECTED);

        assertThat(channel.resolve()).isEqualTo(b.address());
        assertThat(whoAnswers(channel)).isEqualTo("b");
        assertThat(made).hasSize(2);
        assertThat(made.get(0).isShutdown())
                .as("the standby's channel is shut down after the swap")
                .isTrue();
        assertThat(made.get(1).isShutdown()).isFalse();

        channel.close();
        assertThat(made).allSatisfy(c -> assertThat(c.isTerminated()).isTrue());
    }

    @Test
    void movesToTheNextAddressWhenACoordinatorIsUnreachable() throws Exception {
        TestCoordinator a = coordinator("a");
        TestCoordinator b = coordinator("b");
        LeaderChannel channel = LeaderChannel.open(StaticCoordinatorList.parse(a.address() + "," + b.address()));
        closing.add(channel);
        assertThat(channel.resolve()).isEqualTo(a.address());
        assertThat(whoAnswers(channel)).isEqualTo("a");

        a.close();
        StatusRuntimeException down = catchThrowableOfType(StatusRuntimeException.class, () -> whoAnswers(channel));
        assertThat(channel.failed(a.address(), down)).isEqualTo(LeaderChannel.Failure.UNREACHABLE);
        assertThat(channel.resolve()).isEqualTo(b.address());
        assertThat(whoAnswers(channel)).isEqualTo("b");
        assertThat(channel.address()).isEqualTo(b.address());
    }

    @Test
    void classifiesWhatAFailedCallSaysAboutTheLeader() {
        StaticCoordinatorList list = StaticCoordinatorList.parse("a:1,b:1");
        LeaderChannel channel = LeaderChannel.open(list, address -> {
            throw new AssertionError("no channel is made without resolve()");
        });
        closing.add(channel);
        assertThat(channel.failed(
                        "a:1",
                        Status.FAILED_PRECONDITION
                                .withDescription("the build already finished")
                                .asRuntimeException()))
                .isEqualTo(LeaderChannel.Failure.OTHER);
        assertThat(list.next()).isEqualTo("a:1");
        assertThat(channel.failed("a:1", standby("a:1")))
                .as("a coordinator naming itself is between roles")
                .isEqualTo(LeaderChannel.Failure.UNREACHABLE);
        assertThat(list.next()).isEqualTo("b:1");
        assertThat(channel.failed("b:1", standby("UNAVAILABLE"))).isEqualTo(LeaderChannel.Failure.UNREACHABLE);
        assertThat(list.next()).isEqualTo("a:1");
        assertThat(channel.failed("a:1", Status.ABORTED.asRuntimeException())).isEqualTo(LeaderChannel.Failure.DEPOSED);
        assertThat(list.next()).isEqualTo("b:1");
        assertThat(channel.failed("b:1", Status.NOT_FOUND.asException())).isEqualTo(LeaderChannel.Failure.OTHER);
        assertThat(channel.failed("b:1", standby("c:1"))).isEqualTo(LeaderChannel.Failure.REDIRECTED);
        assertThat(list.next()).isEqualTo("c:1");
    }

    @Test
    void aFixedChannelNeverMovesAndStaysOpen() throws Exception {
        TestCoordinator a = coordinator("a");
        ManagedChannel own = LeaderChannel.plaintext(a.address());
        try {
            LeaderChannel fixed = LeaderChannel.fixed(own);
            assertThat(fixed.resolve()).isEqualTo(a.address());
            assertThat(whoAnswers(fixed)).isEqualTo("a");
            assertThat(fixed.failed(a.address(), standby("b:1")))
                    .as("nowhere to redirect to")
                    .isEqualTo(LeaderChannel.Failure.OTHER);
            assertThat(fixed.failed(a.address(), Status.UNAVAILABLE.asRuntimeException()))
                    .isEqualTo(LeaderChannel.Failure.UNREACHABLE);
            fixed.close();
            assertThat(own.isShutdown()).isFalse();
            assertThat(whoAnswers(own)).isEqualTo("a");
        } finally {
            own.shutdownNow();
        }
    }

    @Test
    void aCallBeforeAnyLeaderIsKnownFailsAsUnavailable() {
        CoordinatorLocator nobody = new CoordinatorLocator() {
            @Override
            public String next() {
                throw new NoLeaderException("no active coordinator");
            }

            @Override
            public void failed(String address) {}

            @Override
            public void redirect(String leaderAddress) {}

            @Override
            public String describe() {
                return "nobody";
            }
        };
        LeaderChannel channel = LeaderChannel.open(nobody);
        closing.add(channel);
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> whoAnswers(channel));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(e.getStatus().getDescription()).isEqualTo("no active coordinator");
    }

    private static StatusRuntimeException standby(String leader) {
        Metadata trailers = new Metadata();
        trailers.put(CoordinatorLocator.LEADER_TRAILER, leader);
        return Status.FAILED_PRECONDITION.withDescription("not the leader").asRuntimeException(trailers);
    }
}
