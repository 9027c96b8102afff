package org.referralmonitor.app.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.referralmonitor.app.ReferralMonitorApplication;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A named user of the configuration can be limited to a clinic an administrator created through the
 * API or the dashboard (kept in the database, not in the configuration): the monitor starts, and the
 * user sees that clinic. Before, the start was refused ("no clinic ...").
 */
@SpringBootTest(classes = ReferralMonitorApplication.class, properties = {
    "referral-monitor.ingest.sandbox.enabled=false",
    "referral-monitor.ingest.sync-on-startup=false",
    "referral-monitor.ingest.default-schedule=-",
    "referral-monitor.metrics.monthly-close-schedule=-",
    "referral-monitor.ingest.pseudonym-key=entered-clinic-test-pseudonym-key-0123456789",
    "referral-monitor.app.admin-password=admin-test-password"})
@ActiveProfiles("postgres")
@ContextConfiguration(initializers = {PostgresTestDatabase.Initializer.class, EnteredClinicUsersIT.EnteredClinic.class})
class EnteredClinicUsersIT {

    static final String CLINIC = "valley-home-health";

    /** The database as an earlier run left it: migrated, with a clinic entered through the API. */
    static class EnteredClinic implements ApplicationContextInitializer<ConfigurableApplicationContext> {
        @Override
        public void initialize(ConfigurableApplicationContext context) {
            Environment env = context.getEnvironment();
            DriverManagerDataSource dataSource = new DriverManagerDataSource(env.getProperty("spring.datasource.url"),
                    env.getProperty("spring.datasource.username"), env.getProperty("spring.datasource.password"));
            Flyway.configure().dataSource(dataSource)
                    .locations("classpath:db/migration/common", "classpath:db/migration/postgresql").load().migrate();
            new JdbcTemplate(dataSource).update("INSERT INTO clinic (id, name, time_zone, updated_at) "
                    + "VALUES (?, 'Valley Home Health', 'America/Denver', CURRENT_TIMESTAMP)", CLINIC);
        }
    }

    @DynamicPropertySource
    static void namedUser(DynamicPropertyRegistry registry) throws IOException {
        Path password = Files.writeString(Files.createTempDirectory("rm-users").resolve("robin"),
                "robin-test-password\n");
        registry.add("referral-monitor.app.users[0].name", () -> "robin.valley");
        registry.add("referral-monitor.app.users[0].roles", () -> "coordinator");
        registry.add("referral-monitor.app.users[0].password-ref", () -> "file:" + password);
        registry.add("referral-monitor.app.users[0].clinics[0]", () -> CLINIC);
    }

    @Autowired
    UserDetailsService users;

    @Test
    void aNamedUserIsLimitedToAClinicEnteredThroughTheApi() {
        assertThat(users.loadUserByUsername("robin.valley").getAuthorities()).extracting(GrantedAuthority::getAuthority)
                .contains(ClinicAccess.PREFIX + CLINIC, "ROLE_COORDINATOR");
    }
}
