package org.referralmonitor.metrics.monthly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** The metrics tell the database they run on from its metadata, and refuse one they have no SQL for. */
class SqlDialectTest {

    @Test
    void anEmbeddedH2IsH2() {
        DataSource h2 = new DriverManagerDataSource("jdbc:h2:mem:dialect;MODE=PostgreSQL", "sa", "");

        assertThat(SqlDialect.of(h2)).isEqualTo(SqlDialect.H2);
    }

    @Test
    void postgresqlByTheNameItsDriverGives() throws Exception {
        assertThat(SqlDialect.of(reporting("PostgreSQL"))).isEqualTo(SqlDialect.POSTGRESQL);
    }

    @Test
    void anotherDatabaseIsRefusedSayingWhich() throws Exception {
        assertThatThrownBy(() -> SqlDialect.of(reporting("MySQL")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("The metrics run on PostgreSQL or H2, not MySQL");
    }

    private static DataSource reporting(String product) throws Exception {
        DatabaseMetaData metaData = mock(DatabaseMetaData.class);
        when(metaData.getDatabaseProductName()).thenReturn(product);
        Connection connection = mock(Connection.class);
        when(connection.getMetaData()).thenReturn(metaData);
        DataSource dataSource = mock(DataSource.class);
        when(dataSource.getConnection()).thenReturn(connection);
        return dataSource;
    }
}
