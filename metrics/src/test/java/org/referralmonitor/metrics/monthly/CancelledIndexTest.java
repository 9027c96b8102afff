package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The cancel reasons are read through PostgreSQL's partial index of cancelled referrals only while
 * the statement's condition is the index's: both name exactly the statuses counted as cancelled.
 */
class CancelledIndexTest {

    private static final String MIGRATION = "/db/migration/postgresql/V20261206_01__metrics_cancelled_index.sql";

    @Test
    void theReasonsStatementAndThePartialIndexNameTheCancelledStatuses() throws Exception {
        String condition = "status IN (" + MonthlyAggregation.CANCELLED_STATUSES.stream()
                .map(s -> "'" + s + "'").collect(Collectors.joining(", ")) + ")";
        String migration;
        try (InputStream in = CancelledIndexTest.class.getResourceAsStream(MIGRATION)) {
            assertThat(in).as(MIGRATION).isNotNull();
            migration = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(MonthlyAggregation.INSERT_REASONS).contains("r." + condition);
        assertThat(migration).contains("WHERE " + condition + ";");
    }
}
