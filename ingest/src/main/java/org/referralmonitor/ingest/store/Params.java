package org.referralmonitor.ingest.store;

import java.sql.Types;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

/**
 * Named parameters with their SQL types declared. Without a type, a null makes Spring ask the
 * driver for the parameter's type, which PostgreSQL answers with a round trip per parameter:
 * twenty times slower batches.
 */
final class Params {

    private final MapSqlParameterSource source = new MapSqlParameterSource();

    Params text(String name, String value) {
        source.addValue(name, value, Types.VARCHAR);
        return this;
    }

    Params instant(String name, OffsetDateTime value) {
        source.addValue(name, value, Types.TIMESTAMP_WITH_TIMEZONE);
        return this;
    }

    Params date(String name, LocalDate value) {
        source.addValue(name, value, Types.DATE);
        return this;
    }

    Params bool(String name, Boolean value) {
        source.addValue(name, value, Types.BOOLEAN);
        return this;
    }

    Params bigint(String name, Long value) {
        source.addValue(name, value, Types.BIGINT);
        return this;
    }

    MapSqlParameterSource source() {
        return source;
    }
}
