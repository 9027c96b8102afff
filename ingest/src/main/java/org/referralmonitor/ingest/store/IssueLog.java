package org.referralmonitor.ingest.store;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.referralmonitor.ingest.fhir.MappedResource;
import org.referralmonitor.ingest.fhir.ParsedPage.ResourceIssues;
import org.referralmonitor.profiles.conformance.Finding;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Repository;

/**
 * How the resources an endpoint sends deviate from the profiles: for each kept resource, the
 * findings of its latest validation (a resource received again replaces its findings, so a fixed
 * resource stops counting as deviating), and per endpoint a summary by rule.
 */
@Repository
public class IssueLog {

    private static final String DELETE = """
            DELETE FROM resource_issue
            WHERE endpoint_id = :endpointId AND resource_type = :resourceType AND resource_id IN (:ids)
            """;

    private static final String INSERT = """
            INSERT INTO resource_issue (endpoint_id, resource_type, resource_id, severity, rule, location, message,
                                        sync_run_id, seen_at)
            VALUES (:endpointId, :resourceType, :resourceId, :severity, :rule, :location, :message, :syncRunId, :seenAt)
            """;

    private final NamedParameterJdbcTemplate jdbc;

    public IssueLog(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Replaces the findings of every resource of a page with what its validation found now. */
    public void replace(String endpointId, long syncRunId, List<MappedResource> received, List<ResourceIssues> issues,
            OffsetDateTime at) {
        received.stream()
                .collect(Collectors.groupingBy(MappedResource::resourceType,
                        Collectors.mapping(MappedResource::resourceId, Collectors.toSet())))
                .forEach((type, ids) -> jdbc.update(DELETE, new MapSqlParameterSource("endpointId", endpointId)
                        .addValue("resourceType", type).addValue("ids", List.copyOf(ids))));
        List<SqlParameterSource> rows = new ArrayList<>();
        for (ResourceIssues resource : issues) {
            for (Finding f : resource.findings()) {
                rows.add(new Params()
                        .text("endpointId", endpointId)
                        .text("resourceType", resource.resourceType())
                        .text("resourceId", resource.resourceId())
                        .text("severity", f.severity().name())
                        .text("rule", truncate(f.rule() == null ? "unknown" : f.rule(), 200))
                        .text("location", truncate(f.location(), 500))
                        .text("message", truncate(f.message(), 2000))
                        .bigint("syncRunId", syncRunId)
                        .instant("seenAt", at)
                        .source());
            }
        }
        if (!rows.isEmpty()) {
            jdbc.batchUpdate(INSERT, rows.toArray(SqlParameterSource[]::new));
        }
    }

    /**
     * One line per rule an endpoint's resources break.
     *
     * @param example the plain-language finding of one resource, to show what it means
     */
    public record Deviation(String resourceType, String rule, String severity, int resources, String example) {
    }

    public List<Deviation> summary(String endpointId) {
        return jdbc.query("""
                SELECT resource_type, rule, severity, COUNT(DISTINCT resource_id) AS resources, MIN(message) AS example
                FROM resource_issue WHERE endpoint_id = :endpointId
                GROUP BY resource_type, rule, severity
                ORDER BY CASE WHEN severity = 'ERROR' THEN 0 ELSE 1 END, resources DESC, rule
                """, new MapSqlParameterSource("endpointId", endpointId),
                (rs, n) -> new Deviation(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getString(5)));
    }

    /** How many kept resources of the endpoint deviate from the profiles in some way. */
    public int deviatingResources(String endpointId) {
        Integer n = jdbc.queryForObject("""
                SELECT COUNT(*) FROM (SELECT DISTINCT resource_type, resource_id FROM resource_issue
                                      WHERE endpoint_id = :endpointId) d
                """, new MapSqlParameterSource("endpointId", endpointId), Integer.class);
        return n == null ? 0 : n;
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
