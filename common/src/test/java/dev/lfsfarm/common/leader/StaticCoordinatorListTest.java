package dev.lfsfarm.common.leader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StaticCoordinatorListTest {

    @Test
    void triesTheAddressesInTurnStartingWithTheFirst() {
        StaticCoordinatorList list = StaticCoordinatorList.parse(" a:7070, ,b:7071 ");
        assertThat(list.addresses()).containsExactly("a:7070", "b:7071");
        assertThat(list.next()).isEqualTo("a:7070");
        list.failed("a:7070");
        assertThat(list.next()).isEqualTo("b:7071");
        list.failed("a:7070"); // a late report about an address no longer tried changes nothing
        assertThat(list.next()).isEqualTo("b:7071");
        list.failed("b:7071");
        assertThat(list.next()).isEqualTo("a:7070");
    }

    @Test
    void aRedirectWinsUntilTheNamedLeaderFails() {
        StaticCoordinatorList list = StaticCoordinatorList.parse("a:7070,b:7070");
        list.redirect("c:7070");
        assertThat(list.next()).isEqualTo("c:7070");
        list.failed("a:7070");
        assertThat(list.next()).isEqualTo("c:7070");
        list.failed("c:7070");
        assertThat(list.next()).isEqualTo("a:7070");
    }

    @Test
    void namesEveryMalformedAddress() {
        assertThat(StaticCoordinatorList.problem("a:7070,[::1]:7070,host-1.lan:1"))
                .isNull();
        assertThat(StaticCoordinatorList.problem("a:7070,nohost,b:99999"))
                .isEqualTo("'nohost', 'b:99999' are not HOST:PORT (expected HOST:PORT[,HOST:PORT...])");
        assertThat(StaticCoordinatorList.problem(" , ")).isEqualTo("is empty; expected HOST:PORT[,HOST:PORT...]");
        assertThat(StaticCoordinatorList.addressProblem("UNAVAILABLE")).isEqualTo("'UNAVAILABLE' is not HOST:PORT");
        assertThat(StaticCoordinatorList.addressProblem("a:0")).isEqualTo("'a:0': port 0 is not between 1 and 65535");
        assertThatThrownBy(() -> StaticCoordinatorList.parse("a:7070,dns:///x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'dns:///x' is not HOST:PORT");
    }
}
