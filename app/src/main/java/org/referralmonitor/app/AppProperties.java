package org.referralmonitor.app;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.DayOfWeek;
import java.time.Duration;
import java.util.List;
import org.referralmonitor.ingest.IngestProperties;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * What the application module reads from configuration ({@code referral-monitor.app.*}).
 * Each key is documented in {@code config/application.yml}.
 *
 * @param adminPassword password of the built-in {@code admin} user (all roles); only ever from the
 *     environment ({@code RM_ADMIN_PASSWORD}) or a file outside the repository
 * @param coordinatorPassword password of the built-in {@code coordinator} user, when set
 * @param managerPassword password of the built-in {@code manager} user, when set
 * @param demoLogin allow the {@code demo}/{@code demo} user while the sandbox EMR is on and there is
 *     no administrator (no admin password, no named user with the admin role); never applies to real EMR data
 * @param users named users, each with roles and where their password is
 * @param auditRetention how long audit events are kept
 * @param signInLockout when a name is refused after failed sign-ins
 * @param notifications where alerts and outreach reminders are sent
 */
@ConfigurationProperties("referral-monitor.app")
@Validated
public record AppProperties(
        String adminPassword,
        String coordinatorPassword,
        String managerPassword,
        @DefaultValue("true") boolean demoLogin,
        @DefaultValue List<@Valid User> users,
        @NotNull @DefaultValue("2190d") Duration auditRetention,
        @Valid @NotNull @DefaultValue SignInLockout signInLockout,
        @Valid @NotNull @DefaultValue Notifications notifications) {

    /** Whether someone can sign in as an administrator: the admin password is set, or a named user is an admin. */
    public boolean hasAdmin() {
        return (adminPassword != null && !adminPassword.isBlank())
                || (users != null && users.stream().anyMatch(u -> u.roles() != null && u.roles().contains("admin")));
    }

    /** Whether the demo/demo user is offered: the sandbox EMR on, demo-login on, and no administrator. */
    public boolean demoUser(boolean sandboxEnabled) {
        return sandboxEnabled && demoLogin && !hasAdmin();
    }

    /**
     * A named user: what the monitor records as who acknowledged an alert, logged a contact, set a
     * cadence or started a run.
     *
     * @param name the sign-in name: lower-case letters, digits and {@code . _ @ -}, not one of the
     *     built-in users (admin, coordinator, manager, demo) nor anonymous
     * @param roles admin (everything), coordinator, manager
     * @param passwordRef where the password is, env:VARIABLE or file:/path: the password itself (at least
     *     12 characters) or its hash as Spring Security writes it, {bcrypt}$2a$...
     * @param clinics the clinics (ids) the user sees and works on; empty: every clinic. Not for admins,
     *     who see every clinic
     */
    public record User(
            @NotBlank @Pattern(regexp = "[a-z0-9][a-z0-9._@-]{0,99}") String name,
            @NotEmpty List<@Pattern(regexp = "admin|coordinator|manager") String> roles,
            @NotBlank String passwordRef,
            @DefaultValue List<@Pattern(regexp = IngestProperties.ID_PATTERN) String> clinics) {

        public User {
            clinics = clinics == null ? List.of() : List.copyOf(clinics);
        }
    }

    /**
     * Guessing passwords: after max-failures failed sign-ins with a name (in any case, on the dashboard
     * or over the API, known user or not) within the window and since its last sign-in, every sign-in
     * with that name is refused, the right password too, until the oldest of those failures is a
     * window old. Refused attempts are recorded (SIGN_IN_LOCKED) and do not prolong the lock.
     *
     * @param maxFailures failed sign-ins that lock a name
     * @param window how far back failures count, and so how long a lock lasts at most
     */
    public record SignInLockout(
            @Min(1) @Max(100) @DefaultValue("5") int maxFailures,
            @NotNull @DefaultValue("15m") Duration window) {
    }

    /**
     * Sending alerts and outreach reminders by e-mail and webhook.
     *
     * @param dispatchInterval how often new alerts are looked for and owed messages sent or retried
     * @param maxAttempts tries of one message before it is marked failed
     * @param retryDelay wait before the first retry, doubled for each next one up to an hour
     * @param digestTime from when (HH:mm, the clinic's time zone) the day's outreach digest goes out
     * @param digestDays on which days of the week the outreach digest goes out
     * @param from sender address of e-mails
     * @param publicUrl the dashboard's address as people reach it, for links; empty: no links
     * @param webhookTimeout how long a webhook may take to answer
     * @param channels channels defined by configuration
     */
    public record Notifications(
            @NotNull @DefaultValue("1m") Duration dispatchInterval,
            @Min(1) @Max(50) @DefaultValue("8") int maxAttempts,
            @NotNull @DefaultValue("1m") Duration retryDelay,
            @NotNull @Pattern(regexp = "([01][0-9]|2[0-3]):[0-5][0-9]") @DefaultValue("07:00") String digestTime,
            @NotNull @DefaultValue({"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"}) List<DayOfWeek> digestDays,
            @NotBlank @DefaultValue("referral-monitor@localhost") String from,
            @DefaultValue("") String publicUrl,
            @NotNull @DefaultValue("10s") Duration webhookTimeout,
            @DefaultValue List<@Valid Channel> channels) {
    }

    /**
     * A channel defined in {@code config/application.yml}.
     *
     * @param kind email or webhook
     * @param to e-mail addresses (email)
     * @param urlRef where the webhook's URL is, env:VARIABLE or file:/path (a webhook URL is a secret)
     */
    public record Channel(
            @NotBlank @Pattern(regexp = IngestProperties.ID_PATTERN) String id,
            @NotBlank String clinic,
            @NotBlank String kind,
            @DefaultValue List<String> to,
            String urlRef,
            @DefaultValue("true") boolean sourceAlerts,
            @DefaultValue("true") boolean feedAlerts,
            @DefaultValue("false") boolean outreachDigest,
            @DefaultValue("false") boolean monthlySummary,
            @DefaultValue("true") boolean enabled) {
    }
}
