package org.referralmonitor.app.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.referralmonitor.app.AppProperties;
import org.referralmonitor.ingest.IngestProperties;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

/** The users the monitor starts with, as SecurityConfiguration builds them from the settings. */
class SecurityConfigurationTest {

    private static final PasswordEncoder ENCODER = PasswordEncoderFactories.createDelegatingPasswordEncoder();

    /** No clinic entered through the API (Mockito's empty list). */
    private static final org.referralmonitor.ingest.endpoint.EndpointDirectory DIRECTORY =
            org.mockito.Mockito.mock(org.referralmonitor.ingest.endpoint.EndpointDirectory.class);

    private static AppProperties app(String adminPassword, AppProperties.User... users) {
        return new AppProperties(adminPassword, null, null, true, List.of(users), null, null, null);
    }

    /** The sandbox on (the demo user's condition), and the secrets entered endpoints may name. */
    private static IngestProperties ingest(IngestProperties.EnteredSecrets entered) {
        return new IngestProperties(List.of(), List.of(), false, "-", null, null, null, null,
                new IngestProperties.Sandbox(true, 1, 30, 24, 200), entered, null);
    }

    private static IngestProperties ingest() {
        return ingest(new IngestProperties.EnteredSecrets(List.of("RM_SECRET_", "PATH"), List.of()));
    }

    @Test
    void aNamedUsersPasswordWhereEnteredEndpointsMayLookStopsTheStart() {
        // PATH is set in every environment: without the check it would be read as the password
        AppProperties app = app(null, new AppProperties.User("jordan.lee", List.of("admin"), "env:PATH", List.of()));

        assertThatThrownBy(() -> new SecurityConfiguration().users(app, ingest(), ENCODER, List.of(), DIRECTORY))
                .hasMessageStartingWith("referral-monitor.app.users[0].password-ref (user 'jordan.lee') names env:PATH, "
                        + "which endpoints and channels entered in the API or the dashboard may name too");
    }

    @Test
    void aNamedAdminIsEnoughAndTheDemoUserIsNotOffered(@TempDir Path dir) throws Exception {
        Path password = Files.writeString(dir.resolve("jordan"), "jordan-lee-password");
        AppProperties app = app(null, new AppProperties.User("jordan.lee", List.of("admin"), "file:" + password, List.of()));
        var users = new SecurityConfiguration().users(app, ingest(IngestProperties.EnteredSecrets.DEFAULT), ENCODER, List.of(), DIRECTORY);

        assertThat(users.loadUserByUsername("jordan.lee").getAuthorities()).hasSize(3);
        assertThatThrownBy(() -> users.loadUserByUsername("demo")).as("no demo user").hasMessage("user not found");
    }

    @Test
    void aBuiltInPasswordOver72BytesIsRefusedByName() {
        assertThatThrownBy(() -> new SecurityConfiguration().users(app("x".repeat(73)), ingest(), ENCODER, List.of(), DIRECTORY))
                .hasMessage("The password of the built-in 'admin' user is a password of more than 72 bytes, which "
                        + "bcrypt cannot tell from its first 72; use a shorter one");
    }
}
