package org.referralmonitor.app.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.referralmonitor.app.AppProperties;
import org.referralmonitor.app.audit.AuditLog;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;

class SignInLockoutTest {

    static final OffsetDateTime NOW = OffsetDateTime.parse("2026-12-07T15:00:00Z");
    static final Duration WINDOW = Duration.ofMinutes(15);

    final AuditLog audit = mock(AuditLog.class);
    final AtomicInteger passwordChecks = new AtomicInteger();
    final AuthenticationProvider passwords = new AuthenticationProvider() {
        @Override
        public Authentication authenticate(Authentication authentication) {
            passwordChecks.incrementAndGet();
            return UsernamePasswordAuthenticationToken.authenticated(authentication.getName(), null, List.of());
        }

        @Override
        public boolean supports(Class<?> authentication) {
            return true;
        }
    };
    final SignInLockout lockout = new SignInLockout(passwords, audit, new AppProperties.SignInLockout(5, WINDOW),
            Clock.fixed(Instant.from(NOW), ZoneOffset.UTC));

    @Test
    void theFifthNewestFailureDecidesUntilWhen() {
        List<OffsetDateTime> seven = List.of(minutesAgo(1), minutesAgo(2), minutesAgo(3), minutesAgo(4), minutesAgo(6),
                minutesAgo(9), minutesAgo(14));
        assertThat(SignInLockout.lockedUntil(seven.subList(0, 4), 5, WINDOW)).isEmpty();
        assertThat(SignInLockout.lockedUntil(seven.subList(0, 5), 5, WINDOW)).contains(minutesAgo(6).plus(WINDOW));
        assertThat(SignInLockout.lockedUntil(seven, 5, WINDOW)).contains(minutesAgo(6).plus(WINDOW));
        assertThat(SignInLockout.lockedUntil(seven.subList(0, 1), 1, WINDOW)).contains(minutesAgo(1).plus(WINDOW));
    }

    @Test
    void aLockedNameIsRefusedBeforeItsPasswordIsChecked() {
        when(audit.failedSignIns(eq("jordan.lee"), eq(NOW.minus(WINDOW)), eq(5))).thenReturn(List.of(minutesAgo(1),
                minutesAgo(2), minutesAgo(3), minutesAgo(4), minutesAgo(6)));

        assertThatThrownBy(() -> lockout.authenticate(token("jordan.lee")))
                .isInstanceOfSatisfying(SignInLockout.Locked.class, e -> {
                    assertThat(e.retryAfterSeconds()).isEqualTo(9 * 60);
                    assertThat(e.getMessage()).isEqualTo("Too many failed sign-ins with this name (5 within the lockout "
                            + "window); it is locked until 2026-12-07T15:09Z");
                });
        assertThat(passwordChecks).as("no password is tried while locked").hasValue(0);
    }

    /**
     * Guesses refused at the same instant, before the first refusal reaches the audit trail: only the
     * first is worth recording (the trail said 'not refused yet' to each of them; 9 were recorded).
     */
    @Test
    void aLockIsRecordedOnceWhileItsFirstRecordIsOnItsWay() {
        List<OffsetDateTime> five = List.of(minutesAgo(1), minutesAgo(2), minutesAgo(3), minutesAgo(4), minutesAgo(6));
        when(audit.failedSignIns(eq("jordan.lee"), eq(NOW.minus(WINDOW)), eq(5))).thenReturn(five);
        when(audit.failedSignIns(eq("Jordan.Lee"), eq(NOW.minus(WINDOW)), eq(5))).thenReturn(five);
        when(audit.failedSignIns(eq("Sam"), eq(NOW.minus(WINDOW)), eq(5))).thenReturn(five);

        assertThat(refusal("jordan.lee").worthRecording()).isTrue();
        assertThat(refusal("Jordan.Lee").worthRecording()).as("the same name as looked up").isFalse();
        assertThat(refusal("jordan.lee").worthRecording()).isFalse();
        assertThat(refusal("Sam").worthRecording()).as("another name's lock").isTrue();
    }

    /** The trail could not be read when the first refusal asked: the next refusal may still be the first. */
    @Test
    void aRefusalWhoseTrailCouldNotBeReadLeavesTheFirstToTheNext() {
        when(audit.failedSignIns(eq("pat"), eq(NOW.minus(WINDOW)), eq(5))).thenReturn(List.of(minutesAgo(1),
                minutesAgo(2), minutesAgo(3), minutesAgo(4), minutesAgo(6)));
        when(audit.refusedAsLocked(eq("pat"), org.mockito.ArgumentMatchers.any()))
                .thenThrow(new org.springframework.dao.DataAccessResourceFailureException("connection reset"))
                .thenReturn(false);

        assertThatThrownBy(() -> lockout.authenticate(token("pat")))
                .isInstanceOf(org.springframework.security.authentication.InternalAuthenticationServiceException.class);
        assertThat(refusal("pat").worthRecording()).isTrue();
    }

    private SignInLockout.Locked refusal(String name) {
        try {
            lockout.authenticate(token(name));
        } catch (SignInLockout.Locked e) {
            return e;
        }
        throw new AssertionError(name + " was not refused");
    }

    @Test
    void fewerFailuresLetThePasswordDecide() {
        when(audit.failedSignIns(eq("sam"), eq(NOW.minus(WINDOW)), eq(5))).thenReturn(List.of(minutesAgo(1),
                minutesAgo(2), minutesAgo(3), minutesAgo(4)));

        assertThat(lockout.authenticate(token("sam")).isAuthenticated()).isTrue();
        assertThat(passwordChecks).hasValue(1);
    }

    /** A failure of the monitor is not a guess: SignInAudit records it as SIGN_IN_ERROR, which counts for no lock. */
    @Test
    void anUnreadableTrailFailsTheSignInAsAServiceError() {
        when(audit.failedSignIns(eq("sam"), eq(NOW.minus(WINDOW)), eq(5)))
                .thenThrow(new org.springframework.dao.DataAccessResourceFailureException("connection refused"));

        assertThatThrownBy(() -> lockout.authenticate(token("sam")))
                .isInstanceOf(org.springframework.security.authentication.InternalAuthenticationServiceException.class)
                .hasMessage("Could not read the failed sign-ins: connection refused");
        assertThat(passwordChecks).hasValue(0);
        assertThat(lockout.authenticate(token("jo")).isAuthenticated()).as("nothing left in progress").isTrue();
    }

    /** As InMemoryUserDetailsManager finds users: Locale.ROOT's lower case, whatever the database's LOWER does. */
    @Test
    void namesCountAsTheUsersAreLookedUp() {
        assertThat(AuditLog.key("Pat.O\u212Aafor")).as("the Kelvin sign is a k").isEqualTo("pat.okafor");
        assertThat(AuditLog.key("ADMIN")).isEqualTo("admin");
        assertThat(AuditLog.key("jo\n")).isEqualTo("jo?");
        assertThat(AuditLog.key("x".repeat(120))).hasSize(100);
        assertThat(new org.springframework.security.provisioning.InMemoryUserDetailsManager(
                org.springframework.security.core.userdetails.User.withUsername("pat.okafor").password("{noop}p")
                        .roles("MANAGER").build()).loadUserByUsername("Pat.O\u212Aafor").getUsername())
                .as("the user that name signs in as").isEqualTo("pat.okafor");
    }

    private static Authentication token(String name) {
        return UsernamePasswordAuthenticationToken.unauthenticated(name, "password");
    }

    private static OffsetDateTime minutesAgo(int minutes) {
        return NOW.minusMinutes(minutes);
    }
}
