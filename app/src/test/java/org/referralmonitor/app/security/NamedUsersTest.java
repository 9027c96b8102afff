package org.referralmonitor.app.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.referralmonitor.app.AppProperties;
import org.referralmonitor.ingest.endpoint.SecretRefs;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

class NamedUsersTest {

    private static final PasswordEncoder ENCODER = PasswordEncoderFactories.createDelegatingPasswordEncoder();

    private static final String HASH = "{bcrypt}" + new BCryptPasswordEncoder(4).encode("hashed-password-123");

    /** Secrets by reference, as the environment or files would hold them. */
    private static final Map<String, String> SECRETS = Map.of(
            "env:RM_USER_JORDAN", "jordan-password-123",
            "env:RM_USER_PAT", HASH,
            "env:RM_USER_SHORT", "short",
            "env:RM_USER_NOOP", "{noop}plain-text-password",
            "env:RM_USER_SHA", "{SHA-256}5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
            "env:RM_USER_BROKEN", "{bcrypt}$2a$10$not-a-hash",
            "env:RM_USER_COSTLY", "{bcrypt}" + new BCryptPasswordEncoder(4).encode("x").replace("$04$", "$31$"),
            "env:RM_USER_NEWLINE", HASH + "\n",
            "env:RM_USER_LONG", "a-password-".repeat(7) + "long");

    private static final java.util.Set<String> CLINICS = java.util.Set.of("lakeside-ortho", "harbor-behavioral");

    private static final BiFunction<String, String, String> READ = (ref, what) -> SECRETS.get(ref);

    private static AppProperties.User user(String name, String ref, String... roles) {
        return new AppProperties.User(name, List.of(roles), ref, List.of());
    }

    private static List<UserDetails> read(AppProperties.User... users) {
        return NamedUsers.read(List.of(users), ENCODER, 12, READ, CLINICS);
    }

    @Test
    void aPasswordIsEncodedAndAHashKeptAsGiven() {
        List<UserDetails> users = read(user("jordan.lee", "env:RM_USER_JORDAN", "coordinator"),
                user("pat@clinic.example", "env:RM_USER_PAT", "manager"));

        assertThat(users.get(0).getUsername()).isEqualTo("jordan.lee");
        assertThat(users.get(0).getPassword()).startsWith("{bcrypt}").doesNotContain("jordan-password-123");
        assertThat(ENCODER.matches("jordan-password-123", users.get(0).getPassword())).isTrue();
        assertThat(users.get(1).getPassword()).isEqualTo(HASH);
        assertThat(read(user("lee", "env:RM_USER_NEWLINE", "coordinator")).get(0).getPassword())
                .as("as an environment variable set from a file may end").isEqualTo(HASH);
        assertThat(ENCODER.matches("hashed-password-123", users.get(1).getPassword())).isTrue();
        assertThat(ENCODER.matches("jordan-password-123", users.get(1).getPassword())).isFalse();
    }

    @Test
    void adminIsEveryRoleAndTheOthersTheirOwn() {
        List<UserDetails> users = read(user("sam", "env:RM_USER_JORDAN", "admin"),
                user("jo", "env:RM_USER_JORDAN", "coordinator", "manager"),
                user("lee", "env:RM_USER_JORDAN", "coordinator"));

        assertThat(users.get(0).getAuthorities()).extracting(GrantedAuthority::getAuthority)
                .containsExactlyInAnyOrder("ROLE_ADMIN", "ROLE_COORDINATOR", "ROLE_MANAGER");
        assertThat(users.get(1).getAuthorities()).extracting(GrantedAuthority::getAuthority)
                .containsExactlyInAnyOrder("ROLE_COORDINATOR", "ROLE_MANAGER");
        assertThat(users.get(2).getAuthorities()).extracting(GrantedAuthority::getAuthority)
                .containsExactly("ROLE_COORDINATOR");
        AppProperties namedAdmin = new AppProperties(null, null, null, true, List.of(user("sam", "env:X", "admin")),
                null, null, null);
        AppProperties namedOthers = new AppProperties(" ", null, null, true,
                List.of(user("jo", "env:X", "coordinator", "manager")), null, null, null);
        assertThat(namedAdmin.hasAdmin()).isTrue();
        assertThat(namedAdmin.demoUser(true)).as("a named admin turns the demo user off").isFalse();
        assertThat(namedOthers.hasAdmin()).isFalse();
        assertThat(namedOthers.demoUser(true)).isTrue();
        assertThat(namedOthers.demoUser(false)).isFalse();
    }

    @Test
    void whatIsWrongIsSaidWithTheUserAndWhere() {
        assertThatThrownBy(() -> read(user("jo", "env:RM_USER_JORDAN", "coordinator"),
                user("admin", "env:RM_USER_JORDAN", "admin")))
                .hasMessage("referral-monitor.app.users[1].name 'admin' is a built-in user's name (admin, anonymous, "
                        + "coordinator, demo, manager); choose another");
        assertThatThrownBy(() -> read(user("jo", "env:RM_USER_JORDAN", "coordinator"),
                user("jo", "env:RM_USER_PAT", "manager")))
                .hasMessage("referral-monitor.app.users[1].name 'jo' is defined twice");
        assertThatThrownBy(() -> read(user("jo", "env:RM_USER_SHORT", "coordinator")))
                .hasMessage("referral-monitor.app.users[0].password-ref (user 'jo') is a password of 5 characters; "
                        + "use at least 12, or a hash ({bcrypt}...)");
        assertThatThrownBy(() -> read(user("jo", "env:RM_USER_NOOP", "coordinator")))
                .hasMessage("referral-monitor.app.users[0].password-ref (user 'jo') holds a {noop} hash; only {bcrypt} "
                        + "hashes are taken (or the password itself)");
        assertThatThrownBy(() -> read(user("jo", "env:RM_USER_SHA", "coordinator")))
                .hasMessageContaining("holds a {SHA-256} hash; only {bcrypt} hashes are taken");
        assertThatThrownBy(() -> read(user("jo", "env:RM_USER_BROKEN", "coordinator")))
                .hasMessage("referral-monitor.app.users[0].password-ref (user 'jo') holds a {bcrypt} hash that is not "
                        + "one ($2a$, $2b$ or $2y$, a cost from 04 to 16, $, then 53 characters)");
        assertThatThrownBy(() -> read(user("jo", "env:RM_USER_COSTLY", "coordinator")))
                .as("a cost of 31: days of a core per sign-in").hasMessageContaining("a cost from 04 to 16");
        assertThatThrownBy(() -> read(user("jo", "env:RM_USER_LONG", "coordinator")))
                .hasMessageContaining("is a password of more than 72 bytes");
    }

    @Test
    void aPasswordWhereEnteredEndpointsMayLookIsRefused() {
        var entered = org.referralmonitor.ingest.IngestProperties.EnteredSecrets.DEFAULT;
        assertThatThrownBy(() -> NamedUsers.refuseEnteredSecret("env:RM_SECRET_JORDAN", "users[0]", entered))
                .hasMessage("users[0] names env:RM_SECRET_JORDAN, which endpoints and channels entered in the API or "
                        + "the dashboard may name too (" + entered.describe() + "): keep users' passwords elsewhere, "
                        + "for example env:RM_USER_...");
        assertThatThrownBy(() -> NamedUsers.refuseEnteredSecret("file:/run/secrets/referral-monitor/jordan", "users[0]",
                entered)).hasMessageContaining("may name too");
        NamedUsers.refuseEnteredSecret("env:RM_USER_JORDAN", "users[0]", entered);
        NamedUsers.refuseEnteredSecret("file:/etc/referral-monitor/users/jordan", "users[0]", entered);
    }

    @Test
    void theSecretIsReadWhereItsReferencePoints() {
        List<AppProperties.User> unset = List.of(user("jo", "env:RM_TEST_NAMED_USER_NEVER_SET", "coordinator"));
        assertThatThrownBy(() -> NamedUsers.read(unset, ENCODER, 12, SecretRefs::read, CLINICS))
                .hasMessage("referral-monitor.app.users[0].password-ref (user 'jo'): the environment variable "
                        + "RM_TEST_NAMED_USER_NEVER_SET is not set");
        List<AppProperties.User> inline = List.of(user("jo", "jordan-password-123", "coordinator"));
        assertThatThrownBy(() -> NamedUsers.read(inline, ENCODER, 12, SecretRefs::read, CLINICS))
                .hasMessageStartingWith("referral-monitor.app.users[0].password-ref (user 'jo') must name where the "
                        + "secret is, as env:VARIABLE or file:/absolute/path, never the secret itself");
    }

    @Test
    void aUserMayBeLimitedToSomeClinicsButNotAnAdmin() {
        UserDetails limited = NamedUsers.read(List.of(new AppProperties.User("jo", List.of("coordinator", "manager"),
                "env:RM_USER_JORDAN", List.of("lakeside-ortho"))), ENCODER, 12, READ, CLINICS).get(0);
        assertThat(limited.getAuthorities()).extracting(Object::toString)
                .containsExactlyInAnyOrder("ROLE_COORDINATOR", "ROLE_MANAGER", "CLINIC_lakeside-ortho");
        assertThatThrownBy(() -> NamedUsers.read(List.of(new AppProperties.User("jo", List.of("coordinator"),
                "env:RM_USER_JORDAN", List.of("lakeside"))), ENCODER, 12, READ, CLINICS))
                .hasMessage("referral-monitor.app.users[0].clinics: no clinic 'lakeside' (user 'jo'); the clinics are "
                        + "harbor-behavioral, lakeside-ortho");
        assertThatThrownBy(() -> NamedUsers.read(List.of(new AppProperties.User("sam", List.of("admin"),
                "env:RM_USER_JORDAN", List.of("lakeside-ortho"))), ENCODER, 12, READ, CLINICS))
                .hasMessage("referral-monitor.app.users[0].clinics: user 'sam' is an admin, who sees every clinic; "
                        + "leave clinics out, or give the user the coordinator or manager role");
    }
}
