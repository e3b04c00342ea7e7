package dev.lfsfarm.common.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class ManualClockTest {
    @Test
    void wallTimeAndTicksMoveTogetherOnlyWhenAdvanced() {
        Instant origin = Instant.parse("2026-01-01T00:00:00Z");
        ManualClock clock = new ManualClock(origin);
        assertThat(clock.instant()).isEqualTo(origin);
        assertThat(clock.nanos()).isZero();
        clock.advance(Duration.ofMillis(1500));
        assertThat(clock.instant()).isEqualTo(origin.plusMillis(1500));
        assertThat(clock.nanos()).isEqualTo(1_500_000_000L);
        assertThat(clock.withZone(ZoneId.of("Europe/Berlin")).instant()).isEqualTo(clock.instant());
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThat(clock.elapsed()).isEqualTo(Duration.ofMillis(1500));
    }
}
