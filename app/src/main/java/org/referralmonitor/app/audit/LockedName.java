package org.referralmonitor.app.audit;

import java.time.OffsetDateTime;

/**
 * A name locked after failed sign-ins.
 *
 * @param key the name as sign-in matches it (lower case)
 * @param username the name as typed (the greatest of its spellings, when it was typed in several)
 * @param failures failed sign-ins within the lockout window since its last sign-in or unlock
 * @param lastFailure when the newest of them happened
 */
public record LockedName(String key, String username, int failures, OffsetDateTime lastFailure) {
}
