package dev.lfsfarm.worker.execute;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcFsTest {

    @Test
    void parsesStatLinesWithOddCommandNames() {
        String line = "4242 (a (b) c) S 4200 4242 4242 0 -1 4194560 100 0 0 0 150 25 30 5 20 0 1 0 12345 "
                + "10000000 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        ProcFs.Stat s = ProcFs.parse(4242, line);

        assertThat(s.state()).isEqualTo('S');
        assertThat(s.ppid()).isEqualTo(4200);
        assertThat(s.session()).isEqualTo(4242);
        assertThat(s.utimeTicks()).isEqualTo(150);
        assertThat(s.stimeTicks()).isEqualTo(25);
        assertThat(s.cutimeTicks()).isEqualTo(30);
        assertThat(s.cstimeTicks()).isEqualTo(5);
        assertThat(s.rssPages()).isEqualTo(2560);
        assertThat(s.alive()).isTrue();
        assertThat(ProcFs.parse(1, "1 (z) Z 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 1 0 0")
                        .alive())
                .isFalse();
    }

    @Test
    void seesThisProcess() {
        long self = ProcessHandle.current().pid();
        assertThat(ProcFs.alive(self)).isTrue();
        assertThat(ProcFs.stat(self))
                .hasValueSatisfying(s -> assertThat(s.rssBytes()).isPositive());
        assertThat(ProcFs.tree(self, -1)).extracting(ProcFs.Stat::pid).contains(self);
    }
}
