package org.referralmonitor.benchmarks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/** A PostgreSQL database of the benchmark's own, with the monitor's schema; dropped by {@link #close()}. */
final class BenchDatabase implements AutoCloseable {

    private final String adminUrl;
    final String user;
    final String password;
    final String url;
    private final String name;
    final SingleConnectionDataSource dataSource;

    BenchDatabase() throws SQLException {
        adminUrl = env("RM_BENCH_DATABASE_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
        user = env("RM_BENCH_DATABASE_USER", "postgres");
        password = env("RM_BENCH_DATABASE_PASSWORD", "");
        name = "rm_bench_" + System.currentTimeMillis();
        try (Connection c = DriverManager.getConnection(adminUrl, user, password); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new SQLException("No PostgreSQL for the benchmark at " + adminUrl + " (set RM_BENCH_DATABASE_URL): "
                    + e.getMessage(), e);
        }
        url = adminUrl.replaceFirst("/[^/?]*(\\?|$)", "/" + name + "$1");
        dataSource = new SingleConnectionDataSource(url, user, password, true);
        Flyway.configure().dataSource(dataSource)
                .locations("classpath:db/migration/common", "classpath:db/migration/postgresql")
                .load().migrate();
    }

    DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() throws SQLException {
        dataSource.destroy();
        if (System.getenv("RM_BENCH_KEEP_DATABASE") != null) {
            System.out.println("Kept database " + name + " (RM_BENCH_KEEP_DATABASE is set): drop it when done");
            return;
        }
        try (Connection c = DriverManager.getConnection(adminUrl, user, password); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    private static String env(String key, String fallback) {
        String value = System.getenv(key);
        return value == null || value.isBlank() ? fallback : value;
    }
}
