package org.referralmonitor.ingest.store;

/**
 * What one write did.
 *
 * @param written rows inserted or changed
 * @param unchanged rows received again without change (or older than what we hold)
 * @param directoryChanged whether a practice, provider or role changed, so referrals need re-crediting
 */
public record WriteResult(int written, int unchanged, boolean directoryChanged) {

    public static final WriteResult NONE = new WriteResult(0, 0, false);

    public WriteResult plus(WriteResult other) {
        return new WriteResult(written + other.written, unchanged + other.unchanged,
                directoryChanged || other.directoryChanged);
    }
}
