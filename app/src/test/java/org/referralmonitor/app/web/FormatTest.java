package org.referralmonitor.app.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;

/** Numbers as people read them on the dashboard. */
class FormatTest {

    @Test
    void expectedCountsHaveOneDecimalAndRatesArePercents() {
        assertThat(Format.expected(11.44)).isEqualTo("11.4");
        assertThat(Format.expected(3.0)).isEqualTo("3.0");
        assertThat(Format.expected(null)).isEqualTo("–");
        assertThat(Format.percent(0.4249)).isEqualTo("42%");
        assertThat(Format.percent(1.0)).isEqualTo("100%");
        assertThat(Format.percent(null)).isEqualTo("–");
        assertThat(Format.ratio(0.25)).isEqualTo("0.25");
        assertThat(Format.ratio(2.0 / 3)).isEqualTo("0.67");
    }

    @Test
    void changeAgainstExpectedIsSignedAndUnknownWithoutExpectation() {
        assertThat(Format.change(7, 10.0)).isEqualTo("-30%");
        assertThat(Format.change(12, 10.0)).isEqualTo("+20%");
        assertThat(Format.change(10, 10.0)).isEqualTo("0%");
        assertThat(Format.change(3, 0.0)).isEqualTo("–");
        assertThat(Format.change(3, null)).isEqualTo("–");
    }

    @Test
    void daysAreWholeWhenTheyAreAndSingularForOne() {
        assertThat(Format.days(12.0)).isEqualTo("12 days");
        assertThat(Format.days(12.5)).isEqualTo("12.5 days");
        assertThat(Format.days(1.0)).isEqualTo("1 day");
        assertThat(Format.days(0.0)).isEqualTo("0 days");
        assertThat(Format.days(null)).isEqualTo("–");
    }

    @Test
    void moneyIsWordedAsTheAlertExplanationsWordIt() {
        assertThat(Format.money(1250.4)).isEqualTo("$1,250");
        assertThat(Format.money(37.5)).isEqualTo("$38");
        assertThat(Format.money(null)).isEqualTo("–");
    }

    @Test
    void monthsTimesAndDurations() {
        LocalDateTime start = LocalDateTime.of(2026, 11, 23, 12, 0, 0);
        assertThat(Format.month(YearMonth.of(2026, 1))).isEqualTo("January 2026");
        assertThat(Format.time(start)).isEqualTo("2026-11-23 12:00:00");
        assertThat(Format.time(null)).isEqualTo("–");
        assertThat(Format.duration(start, start.plusNanos(850_000_000))).isEqualTo("850 ms");
        assertThat(Format.duration(start, start.plusNanos(2_400_000_000L))).isEqualTo("2.4 s");
        assertThat(Format.duration(start, start.plusSeconds(185))).isEqualTo("3 min 5 s");
        assertThat(Format.duration(start, start.plusMinutes(62))).isEqualTo("1 h 2 min");
        assertThat(Format.duration(start, null)).isEqualTo("–");
        assertThat(Format.duration(start, start.minusSeconds(1))).isEqualTo("–");
    }
}
