package org.referralmonitor.ingest.store;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.referralmonitor.ingest.fhir.MappedResource;
import org.referralmonitor.ingest.fhir.ParsedPage.Rejection;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Repository;

/**
 * The review table: resources we received but could not accept, each with a plain-language reason,
 * so that nothing is silently lost. The same problem seen again updates its row instead of adding
 * one (told by type and id, or, for what arrived without them, by a keyed hash of the content); a
 * resource that later arrives in good shape closes its open rows.
 */
@Repository
public class ReviewQueue {

    /**
     * An open row per problem, found by {@code %s}: the same problem seen again updates it. Told by type
     * and id ({@link #BY_KEY}), or, what arrived without them, by the fingerprint of its content
     * ({@link #BY_FINGERPRINT}; a row without one is always added).
     */
    private static final String MERGE = """
            MERGE INTO rejected_resource t
            USING (VALUES (CAST(:endpointId AS VARCHAR(64)), CAST(:resourceType AS VARCHAR(64)),
                           CAST(:resourceId AS VARCHAR(64)), CAST(:reason AS VARCHAR(2000)),
                           CAST(:location AS VARCHAR(500)), CAST(:pageUrl AS VARCHAR(4000)),
                           CAST(:syncRunId AS BIGINT), CAST(:receivedAt AS TIMESTAMP WITH TIME ZONE),
                           CAST(:fingerprint AS VARCHAR(64))))
                AS s (endpoint_id, resource_type, resource_id, reason, location, page_url, sync_run_id, received_at,
                      content_fingerprint)
            ON t.endpoint_id = s.endpoint_id AND %s AND t.status = 'OPEN'
            WHEN MATCHED THEN UPDATE SET reason = s.reason, location = s.location, page_url = s.page_url,
                sync_run_id = s.sync_run_id, received_at = s.received_at
            WHEN NOT MATCHED THEN INSERT (endpoint_id, resource_type, resource_id, reason, location, page_url,
                sync_run_id, received_at, status, content_fingerprint)
                VALUES (s.endpoint_id, s.resource_type, s.resource_id, s.reason, s.location, s.page_url,
                s.sync_run_id, s.received_at, 'OPEN', s.content_fingerprint)
            """;

    private static final String BY_KEY = MERGE.formatted(
            "t.resource_type = s.resource_type AND t.resource_id = s.resource_id");

    private static final String BY_FINGERPRINT = MERGE.formatted("t.content_fingerprint = s.content_fingerprint");

    private static final String RESOLVE = """
            UPDATE rejected_resource SET status = 'RESOLVED'
            WHERE endpoint_id = :endpointId AND resource_type = :resourceType AND resource_id IN (:ids)
              AND status = 'OPEN'
            """;

    private final NamedParameterJdbcTemplate jdbc;

    public ReviewQueue(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public void record(String endpointId, long syncRunId, String pageUrl, List<Rejection> rejections,
            OffsetDateTime at) {
        Map<Boolean, List<SqlParameterSource>> byHasKey = rejections.stream()
                .collect(Collectors.partitioningBy(r -> r.resourceType() != null && r.resourceId() != null,
                        Collectors.mapping(r -> (SqlParameterSource) new Params()
                                .text("endpointId", endpointId)
                                .text("resourceType", r.resourceType())
                                .text("resourceId", r.resourceId())
                                .text("reason", truncate(r.reason(), 2000))
                                .text("location", truncate(r.location(), 500))
                                .text("pageUrl", truncate(pageUrl, 4000))
                                .bigint("syncRunId", syncRunId)
                                .instant("receivedAt", at)
                                .text("fingerprint", r.fingerprint())
                                .source(), Collectors.toList())));
        if (!byHasKey.get(true).isEmpty()) {
            jdbc.batchUpdate(BY_KEY, byHasKey.get(true).toArray(SqlParameterSource[]::new));
        }
        if (!byHasKey.get(false).isEmpty()) {
            jdbc.batchUpdate(BY_FINGERPRINT, byHasKey.get(false).toArray(SqlParameterSource[]::new));
        }
    }

    /** Resources accepted now close what was open for them. */
    public void resolveAccepted(String endpointId, List<MappedResource> accepted) {
        accepted.stream()
                .collect(Collectors.groupingBy(MappedResource::resourceType,
                        Collectors.mapping(MappedResource::resourceId, Collectors.toList())))
                .forEach((type, ids) -> jdbc.update(RESOLVE, new MapSqlParameterSource("endpointId", endpointId)
                        .addValue("resourceType", type).addValue("ids", ids)));
    }

    public record OpenRejection(String resourceType, String resourceId, String reason, String location,
            OffsetDateTime receivedAt) {
    }

    public List<OpenRejection> open(String endpointId, int limit) {
        return jdbc.query("""
                SELECT resource_type, resource_id, reason, location, received_at FROM rejected_resource
                WHERE endpoint_id = :endpointId AND status = 'OPEN' ORDER BY received_at DESC, id DESC LIMIT :limit
                """, new MapSqlParameterSource("endpointId", endpointId).addValue("limit", limit),
                (rs, n) -> new OpenRejection(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getObject(5, OffsetDateTime.class)));
    }

    public int countOpen(String endpointId) {
        Integer n = jdbc.queryForObject("SELECT count(*) FROM rejected_resource WHERE endpoint_id = :endpointId "
                + "AND status = 'OPEN'", new MapSqlParameterSource("endpointId", endpointId), Integer.class);
        return n == null ? 0 : n;
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
