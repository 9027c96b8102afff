package org.referralmonitor.app.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.referralmonitor.metrics.outreach.ProviderReturn;

class ProviderReturnViewTest {

    @Test
    void eachSideSaysHowManyMonthsItRestsOn() {
        ProviderReturnView lee = new ProviderReturnView(new ProviderReturn("npi:1245319599", "Dana Lee",
                LocalDate.of(2026, 7, 20), 2, 3, 4, 1, 4));
        assertThat(lee.name()).isEqualTo("Dana Lee");
        assertThat(lee.before()).isEqualTo("1.3 (3 months)");
        assertThat(lee.after()).isEqualTo("4.0 (1 month)");
        assertThat(lee.change()).isEqualTo("+2.7");

        ProviderReturnView kim = new ProviderReturnView(new ProviderReturn("emr/Practitioner/kim", null,
                LocalDate.of(2026, 11, 2), 1, 0, 0, 0, 0));
        assertThat(kim.name()).isEqualTo("emr/Practitioner/kim");
        assertThat(kim.before()).isEqualTo("none before");
        assertThat(kim.after()).isEqualTo("too early");
        assertThat(kim.change()).isEqualTo("–");
    }
}
