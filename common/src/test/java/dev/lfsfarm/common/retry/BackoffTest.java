package dev.lfsfarm.common.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void doublesUpToTheCapAndResets() {
        Backoff b = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(1), 0);
        assertThat(b.next()).isEqualTo(Duration.ofMillis(250));
        assertThat(b.next()).isEqualTo(Duration.ofMillis(500));
        assertThat(b.next()).isEqualTo(Duration.ofMillis(1000));
        assertThat(b.next()).isEqualTo(Duration.ofMillis(1000));
        b.reset();
        assertThat(b.next()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void jitterAddsAtMostItsFractionOfTheDelay() {
        Backoff highest = new Backoff(Duration.ofMillis(400), Duration.ofSeconds(10), 0.25, bound -> bound - 1);
        assertThat(highest.next()).isEqualTo(Duration.ofMillis(500));
        assertThat(highest.next()).isEqualTo(Duration.ofMillis(1000));
        Backoff lowest = new Backoff(Duration.ofMillis(400), Duration.ofSeconds(10), 0.25, bound -> 0);
        assertThat(lowest.next()).isEqualTo(Duration.ofMillis(400));
        Backoff real = new Backoff(Duration.ofMillis(400), Duration.ofSeconds(10), 0.25);
        for (int i = 0; i < 100; i++) {
            real.reset();
            assertThat(real.next()).isBetween(Duration.ofMillis(400), Duration.ofMillis(500));
        }
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(2), 1.5))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
