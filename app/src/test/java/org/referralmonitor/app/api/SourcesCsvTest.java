package org.referralmonitor.app.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.referralmonitor.metrics.report.ProviderSummary;
import org.referralmonitor.metrics.report.SourceReport;
import org.referralmonitor.metrics.report.SourceSummary;

class SourcesCsvTest {

    static final YearMonth OCTOBER = YearMonth.of(2026, 10);

    @Test
    void aRowHoldsTheMonthsFiguresInTheHeadersOrder() {
        SourceSummary s = new SourceSummary("npi:1234567893", "Lakeside Family Practice, LLC", "1234567893", 4, 1, 0.25,
                10.0, 12, "SLOWDOWN", 0.004, 3, List.of(10, 4), false, 4, 12.5, 30.0,
                new SourceSummary.NotConverted(1, Map.of("patient declined", 1), 1, 0, 1), 2, 0.5, 10.0, 1.0, 0.7,
                8.0, List.of("SLOWDOWN", "GONE_DARK"), 1250.0);

        String row = SourcesCsv.row(OCTOBER, s);

        assertThat(row).isEqualTo("2026-10,false,\"Lakeside Family Practice, LLC\",npi:1234567893,1234567893,"
                + "SLOWDOWN,SLOWDOWN GONE_DARK,4,10.00,-0.6000,8.00,-0.5000,1,4,1,0.2500,0.7000,12.5,30.0,1,1,0,2,"
                + "0.5000,3,1250.00");
        assertThat(row.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")).hasSize(SourcesCsv.HEADER.split(",").length);
    }

    @Test
    void aNewSourceLeavesWhatItHasNotEmpty() {
        SourceSummary s = new SourceSummary("harbor-emr/Organization/9", null, null, 2, 0, 0.0, null, 2, "NEW", null, 1,
                List.of(2), true, 2, null, null, new SourceSummary.NotConverted(0, Map.of(), 0, 2, 0), 0, 0.0, null,
                1.0, null, null, List.of(), null);

        assertThat(SourcesCsv.row(OCTOBER, s)).isEqualTo("2026-10,true,harbor-emr/Organization/9,harbor-emr/Organization/9,,NEW,,2,,,,,0,2,0,"
                + "0.0000,,,,0,0,2,0,0.0000,1,");
    }

    @Test
    void referralsCreditedToNoPracticeReadAsSuchAndANamelessPracticeAsItsKey() {
        SourceSummary.NotConverted none = new SourceSummary.NotConverted(0, Map.of(), 0, 0, 0);
        SourceSummary unknown = new SourceSummary(SourceSummary.UNATTRIBUTED, null, null, 1, 0, 0.0, null, 12, "STEADY",
                null, 0, List.of(), false, 1, null, null, none, 0, 0.0, null, 1.0, null, null, List.of(), null);

        assertThat(SourcesCsv.row(OCTOBER, unknown)).startsWith("2026-10,false,Unattributed referrals,unknown,,");
    }

    @Test
    void aProviderRowNamesThePracticeAsTheDashboardDoes() {
        ProviderSummary named = new ProviderSummary("npi:1234567893", "npi:1000000001", "Dr. Ada Jones", "1000000001",
                3, 1, 3, 2, 2 / 3.0, 11.5, 6.0, 12);
        ProviderSummary nameless = new ProviderSummary("npi:1234567893", "emr/Practitioner/7", null, null, 1, 0, 1, 0,
                0.0, null, null, 2);

        String row = SourcesCsv.providerRow(OCTOBER, new SourceReport.ProviderRow(named,
                "Lakeside Family Practice, LLC", true));
        assertThat(row).isEqualTo("2026-10,true,\"Lakeside Family Practice, LLC\",npi:1234567893,Dr. Ada Jones,"
                + "npi:1000000001,1000000001,3,6.00,-0.5000,12,1,3,2,0.6667,11.5");
        assertThat(row.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")).hasSize(SourcesCsv.PROVIDER_HEADER.split(",").length);
        assertThat(SourcesCsv.providerRow(OCTOBER, new SourceReport.ProviderRow(nameless, "Lakeside Family Practice, LLC",
                false))).as("a nameless provider by their key, as on the practice's page").isEqualTo("2026-10,false,"
                        + "\"Lakeside Family Practice, LLC\",npi:1234567893,emr/Practitioner/7,emr/Practitioner/7,,1,,,2,0,"
                        + "1,0,0.0000,");
    }

    @Test
    void aFileThatCannotBeFinishedSaysSoAfterWhatItHas() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        SourcesCsv.MonthRows rows = (m, line) -> {
            if (m.equals(OCTOBER)) {
                throw new IllegalStateException("database gone");
            }
            line.accept(m + ",a");
            line.accept(m + ",b");
        };

        assertThatThrownBy(() -> SourcesCsv.write(out, "month,x", List.of(OCTOBER.minusMonths(1), OCTOBER), rows))
                .hasMessage("database gone");
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("\uFEFFmonth,x\r\n2026-09,a\r\n"
                + "2026-09,b\r\n# export incomplete: reading 2026-10 failed; download it again\r\n");
    }

    @Test
    void textASpreadsheetWouldRunAsAFormulaIsDefusedAndQuotesAreDoubled() {
        assertThat(SourcesCsv.text("=HYPERLINK(\"http://x\")")).isEqualTo("\"'=HYPERLINK(\"\"http://x\"\")\"");
        assertThat(SourcesCsv.text("+1 Clinic")).isEqualTo("'+1 Clinic");
        assertThat(SourcesCsv.text("-2")).isEqualTo("'-2");
        assertThat(SourcesCsv.text("@SUM(A1)")).isEqualTo("'@SUM(A1)");
        assertThat(SourcesCsv.text("Line\nbreak")).isEqualTo("\"Line\nbreak\"");
        assertThat(SourcesCsv.text("Plain Pediatrics")).isEqualTo("Plain Pediatrics");
        assertThat(SourcesCsv.text("Acme;=HYPERLINK(\"http://x\")")).as("a cell of its own where ; separates")
                .isEqualTo("\"Acme;=HYPERLINK(\"\"http://x\"\")\"");
        assertThat(SourcesCsv.text("Acme\t=1+1")).isEqualTo("\"Acme\t=1+1\"");
        assertThat(SourcesCsv.text(null)).isEmpty();
    }

    @Test
    void monthsDefaultToTheLastCompleteAndAreBounded() {
        assertThat(SourcesCsv.months(null, null, OCTOBER)).containsExactly(OCTOBER);
        assertThat(SourcesCsv.months("2026-08", null, OCTOBER)).containsExactly(YearMonth.of(2026, 8),
                YearMonth.of(2026, 9), OCTOBER);
        assertThat(SourcesCsv.months(null, "2026-07", OCTOBER)).containsExactly(YearMonth.of(2026, 7));
        assertThat(SourcesCsv.months("2026-11", null, OCTOBER)).as("a month in progress").containsExactly(
                YearMonth.of(2026, 11));
        assertThat(SourcesCsv.months("2023-11", "2026-10", OCTOBER)).hasSize(SourcesCsv.MAX_MONTHS);
        assertThatThrownBy(() -> SourcesCsv.months("2023-10", "2026-10", OCTOBER))
                .hasMessage("a file spans at most 36 months; 2023-10 to 2026-10 is 37");
        assertThatThrownBy(() -> SourcesCsv.months("2026-10", "2026-08", OCTOBER))
                .hasMessage("to (2026-08) is before from (2026-10)");
        assertThatThrownBy(() -> SourcesCsv.months("10/2026", null, OCTOBER))
                .hasMessage("month must be YYYY-MM, for example 2026-10; got '10/2026'");
    }
}
