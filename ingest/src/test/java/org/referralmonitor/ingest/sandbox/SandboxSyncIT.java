package org.referralmonitor.ingest.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.YearMonth;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.IngestTestApplication;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.ingest.sync.SyncRun;
import org.referralmonitor.ingest.sync.SyncService;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.ingest.testsupport.SyncAwait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;

/** The built-in sandbox EMR through the whole ingest pipeline: what is stored equals the generator's truth. */
@SpringBootTest(classes = IngestTestApplication.class, properties = {
    "referral-monitor.ingest.sandbox.enabled=true",
    "referral-monitor.ingest.sandbox.practices-per-clinic=8",
    "referral-monitor.ingest.sandbox.months=14",
    "referral-monitor.ingest.sandbox.page-size=150"})
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class SandboxSyncIT {

    @Autowired
    SyncService syncs;

    @Autowired
    SandboxEmr sandbox;

    @Autowired
    EndpointDirectory directory;

    @Autowired
    JdbcClient jdbc;

    @Test
    void storesExactlyWhatTheSandboxHoldsCreditedToTheRightPractices() {
        assertThat(directory.enabledEndpoints()).hasSize(2);
        for (SandboxWorld.Clinic clinic : sandbox.world().clinics()) {
            String endpoint = "sandbox-" + clinic.id();
            SyncRun run = SyncAwait.sync(syncs, endpoint);
            assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
            assertThat(run.resourcesRejected()).isEqualTo(clinic.invalidResources());

            Map<String, Map<YearMonth, Integer>> stored = new HashMap<>();
            jdbc.sql("""
                    SELECT o.resource_id, r.authored_month, count(*) FROM referral r
                    JOIN organization o ON o.source_key = r.source_org_key AND o.endpoint_id = r.endpoint_id
                    WHERE r.endpoint_id = :e AND r.is_referral GROUP BY o.resource_id, r.authored_month
                    """).param("e", endpoint).query((rs, n) -> stored
                    .computeIfAbsent(rs.getString(1), k -> new HashMap<>())
                    .put(YearMonth.from(rs.getDate(2).toLocalDate()), rs.getInt(3))).list();
            clinic.referralsByPractice().forEach((org, months) -> months.forEach((month, count) ->
                    assertThat(stored.getOrDefault(org, Map.of()).getOrDefault(month, 0))
                            .as("%s %s %s", clinic.id(), org, month).isEqualTo(count)));
            assertThat(jdbc.sql("SELECT count(*) FROM referral WHERE endpoint_id = :e AND is_referral AND source_org_key = 'unknown'")
                    .param("e", endpoint).query(Integer.class).single()).isZero();
            assertThat(jdbc.sql("SELECT count(*) FROM referral WHERE endpoint_id = :e AND NOT is_referral")
                    .param("e", endpoint).query(Integer.class).single()).isEqualTo(14 * 3);

            SyncRun again = SyncAwait.sync(syncs, endpoint);
            assertThat(again.resourcesWritten()).isZero();
        }
    }
}
