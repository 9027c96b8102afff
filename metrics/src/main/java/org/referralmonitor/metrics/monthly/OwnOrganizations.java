package org.referralmonitor.metrics.monthly;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.referralmonitor.ingest.endpoint.EmrEndpoint;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The source keys under which a clinic's own organizations appear (each endpoint's
 * {@code own-organizations}): a referral credited to one of them was requested by the clinic, so
 * it is outbound, not a referral received.
 */
@Component
class OwnOrganizations {

    /** Never a source key: stands in for an empty list in {@code IN (:ownKeys)}. */
    static final String NONE = "";

    private final EndpointDirectory directory;
    private final NamedParameterJdbcTemplate jdbc;

    OwnOrganizations(EndpointDirectory directory, NamedParameterJdbcTemplate jdbc) {
        this.directory = directory;
        this.jdbc = jdbc;
    }

    /** "npi:..." as is; "Organization/id" as the organization's source key and "endpoint/Organization/id". */
    List<String> keys(String clinicId) {
        Set<String> keys = new LinkedHashSet<>();
        for (EmrEndpoint e : directory.endpoints()) {
            if (!e.clinicId().equals(clinicId)) {
                continue;
            }
            List<String> ids = new ArrayList<>();
            for (String entry : e.connection().ownOrganizations()) {
                if (entry.startsWith("npi:")) {
                    keys.add(entry);
                } else {
                    String id = entry.substring(entry.lastIndexOf('/') + 1);
                    ids.add(id);
                    keys.add(e.id() + "/Organization/" + id);
                }
            }
            if (!ids.isEmpty()) {
                keys.addAll(jdbc.queryForList("""
                        SELECT source_key FROM organization WHERE endpoint_id = :endpointId AND resource_id IN (:ids)
                        """, new MapSqlParameterSource("endpointId", e.id()).addValue("ids", ids), String.class));
            }
        }
        if (keys.isEmpty()) {
            keys.add(NONE);
        }
        return List.copyOf(keys);
    }
}
