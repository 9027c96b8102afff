package org.referralmonitor.ingest.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.referralmonitor.ingest.endpoint.Connection.ReferralRule;
import org.referralmonitor.ingest.fhir.ReferralClassifier;
import org.referralmonitor.ingest.fhir.ResourceMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Repository;

/**
 * When an endpoint's referral rule changes (a new id or version), the referrals classified by the
 * old rule are classified again from their stored JSON, without fetching anything, in batches. The
 * rule they were all classified by is recorded ({@code referral_rule_state}): while it is still the
 * endpoint's rule, nothing is read (syncs write with the endpoint's current rule). A request written
 * under another rule (another process on the same database, an older configuration) drops the record
 * ({@link ResourceWriter}), so the next sync under the recorded rule looks for such requests again.
 */
@Repository
public class Reclassifier {

    private static final int BATCH = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String STALE = """
            SELECT resource_id, CAST(resource_json AS VARCHAR(1000000)) AS json FROM referral
            WHERE endpoint_id = :endpointId AND classified_by <> :label AND resource_json IS NOT NULL
              AND resource_id > :after
            ORDER BY resource_id
            LIMIT :batch
            """;

    private static final String UPDATE = """
            UPDATE referral SET is_referral = :isReferral, classified_by = :label, content_hash = :contentHash
            WHERE endpoint_id = :endpointId AND resource_id = :resourceId
            """;

    private static final String CLASSIFIED_BY = "SELECT label FROM referral_rule_state WHERE endpoint_id = :endpointId";

    private static final String FORGET_STATE = "DELETE FROM referral_rule_state WHERE endpoint_id = :endpointId";

    private static final String RECORD_STATE =
            "INSERT INTO referral_rule_state (endpoint_id, label) VALUES (:endpointId, :label)";

    private record Row(String id, String json) {
    }

    private final NamedParameterJdbcTemplate jdbc;
    private final ReferralClassifier classifier;

    public Reclassifier(NamedParameterJdbcTemplate jdbc, ReferralClassifier classifier) {
        this.jdbc = jdbc;
        this.classifier = classifier;
    }

    /**
     * Call in a transaction: the rule is recorded with the requests it classified.
     *
     * @return how many referrals were classified again
     */
    public int reclassify(String endpointId, ReferralRule rule, ZoneId zone) {
        return reclassify(endpointId, rule, zone, () -> { });
    }

    /**
     * As {@link #reclassify(String, ReferralRule, ZoneId)}, running {@code beforeChanging} (in the same
     * transaction) right before the first stored request is classified again, and not at all when none is.
     */
    public int reclassify(String endpointId, ReferralRule rule, ZoneId zone, Runnable beforeChanging) {
        MapSqlParameterSource state = new MapSqlParameterSource("endpointId", endpointId).addValue("label", rule.label());
        if (jdbc.queryForList(CLASSIFIED_BY, state, String.class).contains(rule.label())) {
            return 0;
        }
        int done = 0;
        String after = "";
        while (true) {
            List<Row> rows = jdbc.query(STALE, new MapSqlParameterSource("endpointId", endpointId)
                    .addValue("label", rule.label()).addValue("after", after).addValue("batch", BATCH),
                    (rs, n) -> new Row(rs.getString(1), rs.getString(2)));
            if (rows.isEmpty()) {
                jdbc.update(FORGET_STATE, state);
                jdbc.update(RECORD_STATE, state);
                return done;
            }
            if (done == 0) {
                beforeChanging.run();
            }
            List<SqlParameterSource> updates = new ArrayList<>(rows.size());
            for (Row row : rows) {
                updates.add(new Params()
                        .text("endpointId", endpointId)
                        .text("resourceId", row.id())
                        .bool("isReferral", classifier.isReferral(parse(row.json()), rule))
                        .text("label", rule.label())
                        .text("contentHash", ResourceMapper.contentHash(row.json(), rule.label(), zone))
                        .source());
            }
            jdbc.batchUpdate(UPDATE, updates.toArray(SqlParameterSource[]::new));
            done += rows.size();
            after = rows.get(rows.size() - 1).id();
        }
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
