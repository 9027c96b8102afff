package org.referralmonitor.ingest.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A fresh PostgreSQL database for tests, on the server named by {@value #URL_ENV} (default
 * {@value #DEFAULT_URL}), dropped when the JVM exits. Databases left behind by killed runs are
 * dropped after a day. Fails with a message saying what to do when no server answers.
 */
public final class PostgresTestDatabase {

    public static final String URL_ENV = "RM_TEST_DATABASE_URL";
    public static final String USER_ENV = "RM_TEST_DATABASE_USER";
    public static final String PASSWORD_ENV = "RM_TEST_DATABASE_PASSWORD";
    public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";

    private static final String PREFIX = "rm_test_";
    private static final Pattern URL = Pattern.compile("(jdbc:postgresql://[^/]+/)([^?]*)(\\?.*)?");
    private static final List<String> created = new ArrayList<>();
    private static boolean hookInstalled;

    /** Connection details of one test database. */
    public record Database(String name, String url, String user, String password) {

        public Connection connect() throws SQLException {
            return DriverManager.getConnection(url, user, password);
        }

        /** The Spring properties that point an application at this database (a map the caller may add to). */
        public java.util.Map<String, String> springProperties() {
            java.util.Map<String, String> p = new java.util.LinkedHashMap<>();
            p.put("spring.datasource.url", url);
            p.put("spring.datasource.username", user);
            p.put("spring.datasource.password", password);
            return p;
        }
    }

    private PostgresTestDatabase() {
    }

    /** Creates a new, empty database. */
    public static synchronized Database create() {
        String adminUrl = env(URL_ENV, DEFAULT_URL);
        String user = env(USER_ENV, "postgres");
        String password = env(PASSWORD_ENV, "");
        Matcher m = URL.matcher(adminUrl);
        if (!m.matches()) {
            throw new IllegalStateException(URL_ENV + " must look like " + DEFAULT_URL + ", got " + adminUrl);
        }
        String name = PREFIX + Instant.now().getEpochSecond() + "_"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
        try (Connection admin = DriverManager.getConnection(adminUrl, user, password);
                Statement st = admin.createStatement()) {
            dropStale(st);
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("No PostgreSQL server usable for tests at " + adminUrl + " as user '" + user
                    + "' (" + e.getMessage() + "). Start the local one (pg_ctlcluster --skip-systemctl-redirect "
                    + "$(ls /etc/postgresql) main start) or point " + URL_ENV + ", " + USER_ENV + " and " + PASSWORD_ENV
                    + " at a server where this user may create databases.", e);
        }
        created.add(name);
        if (!hookInstalled) {
            hookInstalled = true;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> dropAll(adminUrl, user, password),
                    "drop-test-databases"));
        }
        String suffix = m.group(3) == null ? "" : m.group(3);
        return new Database(name, m.group(1) + name + suffix, user, password);
    }

    private static void dropStale(Statement st) throws SQLException {
        long dayAgo = Instant.now().minus(Duration.ofDays(1)).getEpochSecond();
        List<String> stale = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE '" + PREFIX + "%'")) {
            while (rs.next()) {
                String[] parts = rs.getString(1).split("_");
                if (parts.length == 4 && parts[2].matches("\\d+") && Long.parseLong(parts[2]) < dayAgo) {
                    stale.add(rs.getString(1));
                }
            }
        }
        for (String db : stale) {
            st.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
        }
    }

    /**
     * Drops the databases of this JVM, once the Spring contexts closing alongside (in their own shutdown
     * hooks, which the JVM runs at the same time) are done with them: a context still closing would
     * otherwise wait its pool's connection timeout for a database that is gone, and the test JVM be
     * killed 30 s after it should have exited.
     */
    private static synchronized void dropAll(String adminUrl, String user, String password) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        for (Thread hook : Thread.getAllStackTraces().keySet()) {
            if (hook != Thread.currentThread() && hook.getName().startsWith("Spring")
                    && hook.getName().endsWith("ShutdownHook")) {
                try {
                    hook.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        try (Connection admin = DriverManager.getConnection(adminUrl, user, password);
                Statement st = admin.createStatement()) {
            for (String name : created) {
                st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        } catch (SQLException e) {
            System.err.println("Could not drop test databases " + created + ": " + e.getMessage());
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** Points a Spring test context at a database of its own. */
    public static class Initializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

        @Override
        public void initialize(ConfigurableApplicationContext context) {
            Database db = create();
            TestPropertyValues.of(
                    "spring.datasource.url=" + db.url(),
                    "spring.datasource.username=" + db.user(),
                    "spring.datasource.password=" + db.password())
                    .applyTo(context);
        }
    }
}
