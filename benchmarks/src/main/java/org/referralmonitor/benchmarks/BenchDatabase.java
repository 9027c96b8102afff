package org.referralmonitor.benchmarks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * A PostgreSQL database of the benchmark's own, with the monitor's schema; dropped by {@link #close()}
 * unless RM_BENCH_KEEP_DATABASE is set or it was an existing database opened again ({@link #reopen}).
 */
final class BenchDatabase implements AutoCloseable {

    private final String adminUrl;
    final String user;
    final String password;
    final String url;
    private final String name;
    final SingleConnectionDataSource dataSource;
    private final boolean reopened;
    /** Kept by {@link #close()}: opened again, asked to ({@link #keep()}), or RM_BENCH_KEEP_DATABASE set. */
    private boolean kept;

    BenchDatabase() throws SQLException {
        this(null);
    }

    /**
     * A kept database of an earlier run (its name, as that run printed it), migrated to the current
     * schema; or a new one when {@code existing} is null.
     */
    static BenchDatabase reopen(String existing) throws SQLException {
        return new BenchDatabase(existing);
    }

    private BenchDatabase(String existing) throws SQLException {
        adminUrl = env("RM_BENCH_DATABASE_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
        user = env("RM_BENCH_DATABASE_USER", "postgres");
        password = env("RM_BENCH_DATABASE_PASSWORD", "");
        reopened = existing != null;
        kept = reopened || System.getenv("RM_BENCH_KEEP_DATABASE") != null;
        name = reopened ? existing : "rm_bench_" + System.currentTimeMillis();
        if (reopened && !name.matches("rm_bench_[0-9]+")) {
            throw new IllegalArgumentException("Not a benchmark database: '" + name + "' (expected rm_bench_<digits>)");
        }
        try (Connection c = DriverManager.getConnection(adminUrl, user, password); Statement st = c.createStatement()) {
            if (reopened) {
                try (var rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
                    if (!rs.next()) {
                        throw new SQLException("No database " + name + " at " + adminUrl + " to open again");
                    }
                }
            } else {
                st.execute("CREATE DATABASE " + name);
            }
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

    /** Keep the database when closed. */
    void keep() {
        kept = true;
    }

    String name() {
        return name;
    }

    DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() throws SQLException {
        dataSource.destroy();
        if (kept) {
            System.out.println("Kept database " + name + ": drop it when done");
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

    /**
     * The monitor's settings common to every benchmark on this database: no config file, no sandbox,
     * no syncs or schedules at start, quiet logs.
     */
    Map<String, Object> monitorProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        // command-line arguments outrank ./config/application.yml, which a run from the repository root would read
        p.put("spring.config.location", "optional:classpath:/benchmark-has-no-config-file/");
        p.put("referral-monitor.ingest.sandbox.enabled", "false");
        p.put("referral-monitor.profiles.warm-up-at-startup", "false");
        p.put("spring.datasource.url", url);
        p.put("spring.datasource.username", user);
        p.put("spring.datasource.password", password);
        p.put("spring.flyway.locations", "classpath:db/migration/common,classpath:db/migration/{vendor}");
        p.put("spring.main.banner-mode", "off");
        p.put("logging.level.root", "WARN");
        p.put("referral-monitor.ingest.sync-on-startup", "false");
        p.put("referral-monitor.ingest.default-schedule", "-");
        p.put("referral-monitor.ingest.pseudonym-key", "benchmark-pseudonym-key-not-a-secret-0123456789");
        return p;
    }

    /** Properties as Spring Boot command-line arguments. */
    static String[] arguments(Map<String, Object> properties) {
        return properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    }
}
