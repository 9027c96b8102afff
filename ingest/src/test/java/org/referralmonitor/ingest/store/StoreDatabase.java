package org.referralmonitor.ingest.store;

import java.time.OffsetDateTime;
import org.flywaydb.core.Flyway;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A PostgreSQL database of its own with the ingest schema and one clinic and endpoint, for the store's
 * tests (or an H2 one, where both databases must behave alike).
 */
final class StoreDatabase {

    private StoreDatabase() {
    }

    static NamedParameterJdbcTemplate create(String endpointId, OffsetDateTime at) {
        PostgresTestDatabase.Database db = PostgresTestDatabase.create();
        DriverManagerDataSource dataSource = new DriverManagerDataSource(db.url(), db.user(), db.password());
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration/common",
                "classpath:db/migration/postgresql").load().migrate();
        return seeded(dataSource, endpointId, at);
    }

    /** The same in an in-memory H2 database of its own, as the embedded demo runs it. */
    static NamedParameterJdbcTemplate createH2(String endpointId, OffsetDateTime at) {
        DriverManagerDataSource dataSource = new DriverManagerDataSource("jdbc:h2:mem:store-" + System.nanoTime()
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1", "sa", "");
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration/common", "classpath:db/migration/h2")
                .load().migrate();
        return seeded(dataSource, endpointId, at);
    }

    private static NamedParameterJdbcTemplate seeded(DriverManagerDataSource dataSource, String endpointId,
            OffsetDateTime at) {
        NamedParameterJdbcTemplate jdbc = new NamedParameterJdbcTemplate(dataSource);
        jdbc.getJdbcTemplate().update("INSERT INTO clinic (id, name, time_zone, updated_at) VALUES ('c', 'Clinic', 'UTC', ?)",
                at);
        jdbc.getJdbcTemplate().update("""
                INSERT INTO emr_endpoint (id, clinic_id, name, base_url, page_size, schedule, enabled, origin, updated_at)
                VALUES (?, 'c', 'EMR', 'https://emr.example.org/fhir/', 100, '-', TRUE, 'CONFIG', ?)
                """, endpointId, at);
        return jdbc;
    }
}
