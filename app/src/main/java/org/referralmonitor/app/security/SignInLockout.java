package org.referralmonitor.app.security;

import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.referralmonitor.app.AppProperties;
import org.referralmonitor.app.audit.AuditLog;
import org.referralmonitor.app.audit.AuditedFailure;
import org.springframework.dao.DataAccessException;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.InternalAuthenticationServiceException;
import org.springframework.security.authentication.LockedException;
import org.springframework.security.core.Authentication;

/**
 * Refuses every sign-in with a name that failed to sign in max-failures times within the window
 * (since it last signed in or was unlocked), before the password is checked: guessing stops being
 * worth it, and whether such a user exists is not told apart. The failures are read from the audit
 * trail, where {@code audit.SignInAudit} records them, so every instance of the monitor counts the
 * same ones; names are matched as the users are looked up ({@link AuditLog#key}).
 *
 * <p>A failure is recorded only once its password was checked (tenths of a second), so checks in
 * progress count too: with the recorded failures they may not reach max-failures, and a sign-in
 * beyond that waits for their outcome (up to {@link #MAX_WAIT}). Many guesses sent at once so get
 * about as many tries as one after the other (at most about twice max-failures: a check's end and
 * its record are an instant apart), and a client signing in many times at once with the right
 * password waits tenths of a second at most.
 */
final class SignInLockout implements AuthenticationProvider {

    /** Longest a sign-in waits for the others with its name to be checked. */
    static final Duration MAX_WAIT = Duration.ofSeconds(10);

    private final AuthenticationProvider passwords;
    private final AuditLog audit;
    private final AppProperties.SignInLockout settings;
    private final Clock clock;
    private final ConcurrentHashMap<String, Running> inProgress = new ConcurrentHashMap<>();
    /**
     * When this process last refused each name as locked: refusals at the same instant are recorded
     * once, before the first record reaches the audit trail (which other instances read).
     */
    private final ConcurrentHashMap<String, OffsetDateTime> refusedAt = new ConcurrentHashMap<>();

    SignInLockout(AuthenticationProvider passwords, AuditLog audit, AppProperties.SignInLockout settings, Clock clock) {
        this.passwords = passwords;
        this.audit = audit;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        String name = authentication.getName();
        String key = AuditLog.key(name);
        Running running = inProgress.compute(key, (k, r) -> r == null ? new Running() : r.join());
        boolean turn = false;
        try {
            waitForTurn(name, running);
            turn = true;
            return passwords.authenticate(authentication);
        } finally {
            if (turn) {
                running.checked();
            }
            inProgress.computeIfPresent(key, (k, r) -> r.leave());
        }
    }

    /**
     * Refuses a locked name; else waits until the recorded failures and the checks in progress are
     * fewer than max-failures (a guess sent alongside others waits for their outcome) and takes a turn.
     * The failures are read outside the lock; the checks in progress are counted under it.
     */
    private void waitForTurn(String name, Running running) {
        long deadline = System.nanoTime() + MAX_WAIT.toNanos();
        while (true) {
            int recorded = refuseIfLocked(name);
            synchronized (running) {
                if (recorded + running.checking < settings.maxFailures()) {
                    running.checking++;
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new Locked("Too many sign-ins with this name at once; try again in a moment", MAX_WAIT,
                            false);
                }
                try {
                    running.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InternalAuthenticationServiceException("Interrupted while waiting to sign in", e);
                }
            }
        }
    }

    /** The failures that count, after refusing the name when they lock it. */
    private int refuseIfLocked(String name) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        try {
            List<OffsetDateTime> failures = audit.failedSignIns(name, now.minus(settings.window()),
                    settings.maxFailures());
            Optional<OffsetDateTime> until = lockedUntil(failures, settings.maxFailures(), settings.window());
            if (until.isPresent() && until.get().isAfter(now)) {
                OffsetDateTime lockedAt = until.get().minus(settings.window());
                throw new Locked("Too many failed sign-ins with this name (" + settings.maxFailures()
                        + " within the lockout window); it is locked until " + until.get().truncatedTo(ChronoUnit.SECONDS),
                        Duration.between(now, until.get()), firstRefusal(name, lockedAt, now));
            }
            return failures.size();
        } catch (DataAccessException e) {
            throw new InternalAuthenticationServiceException("Could not read the failed sign-ins: " + e.getMessage(), e);
        }
    }

    /**
     * Whether this refusal is the lock's first: none from this process since the lock began (decided
     * atomically, so guesses refused at the same instant are recorded once) and none in the audit trail
     * (from another instance, or before a restart). Names whose lock has ended are forgotten once
     * there are many.
     */
    private boolean firstRefusal(String name, OffsetDateTime lockedAt, OffsetDateTime now) {
        if (refusedAt.size() > FORGET_ABOVE) {
            refusedAt.values().removeIf(at -> at.isBefore(now.minus(settings.window())));
        }
        boolean[] first = {false};
        refusedAt.compute(AuditLog.key(name), (k, previous) -> {
            first[0] = previous == null || previous.isBefore(lockedAt);
            return now;
        });
        try {
            return first[0] && !audit.refusedAsLocked(name, lockedAt);
        } catch (RuntimeException e) {
            // not decided: a later refusal may be the first
            refusedAt.remove(AuditLog.key(name), now);
            throw e;
        }
    }

    /** Refused names kept before those whose lock has ended are forgotten. */
    private static final int FORGET_ABOVE = 10_000;

    /**
     * The sign-ins with one name in this process: those waiting or checking (present while any is),
     * and those checking a password.
     */
    private static final class Running {

        /** Changed only inside the map's compute for the name. */
        private int present = 1;
        /** Changed only under this object's lock. */
        private int checking;

        Running join() {
            present++;
            return this;
        }

        /** A password check is over: wakes those waiting for a turn. */
        synchronized void checked() {
            checking--;
            notifyAll();
        }

        /** Null (removed from the map) when no sign-in with the name is left. */
        Running leave() {
            present--;
            return present == 0 ? null : this;
        }
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return passwords.supports(authentication);
    }

    /**
     * Until when a name is locked, given its failed sign-ins newest first: the max-th newest failure
     * plus the window; none with fewer failures.
     */
    static Optional<OffsetDateTime> lockedUntil(List<OffsetDateTime> failuresNewestFirst, int maxFailures,
            Duration window) {
        if (failuresNewestFirst.size() < maxFailures) {
            return Optional.empty();
        }
        return Optional.of(failuresNewestFirst.get(maxFailures - 1).plus(window));
    }

    /**
     * A sign-in refused because its name is locked, until when, and whether it is the lock's first
     * refusal (recorded in the audit trail; the others are not, so refusals cannot flood it).
     */
    static final class Locked extends LockedException implements AuditedFailure {

        private final long retryAfterSeconds;
        private final boolean firstRefusal;

        Locked(String message, Duration left, boolean firstRefusal) {
            super(message);
            this.retryAfterSeconds = Math.max(1, left.toSeconds() + (left.toNanosPart() > 0 ? 1 : 0));
            this.firstRefusal = firstRefusal;
        }

        /** Whole seconds until the name is unlocked, at least 1. */
        long retryAfterSeconds() {
            return retryAfterSeconds;
        }

        @Override
        public boolean worthRecording() {
            return firstRefusal;
        }
    }
}
