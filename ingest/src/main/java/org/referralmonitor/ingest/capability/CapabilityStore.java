package org.referralmonitor.ingest.capability;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** What each endpoint's server declared at its last check, kept with the endpoint. */
@Repository
class CapabilityStore {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final JdbcClient jdbc;

    CapabilityStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void save(String endpointId, ServerCapabilities capabilities) {
        try {
            jdbc.sql("UPDATE emr_endpoint SET capabilities = :json, capabilities_checked_at = :at WHERE id = :id")
                    .param("json", JSON.writeValueAsString(capabilities))
                    .param("at", capabilities.checkedAt())
                    .param("id", endpointId)
                    .update();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    Optional<ServerCapabilities> find(String endpointId) {
        return jdbc.sql("SELECT capabilities FROM emr_endpoint WHERE id = :id AND capabilities IS NOT NULL")
                .param("id", endpointId).query(String.class).optional().map(json -> {
                    try {
                        return JSON.readValue(json, ServerCapabilities.class);
                    } catch (JsonProcessingException e) {
                        return null;
                    }
                });
    }
}
