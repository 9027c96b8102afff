package org.referralmonitor.ingest.store;

/**
 * What one write did.
 *
 * @param written rows inserted or changed
 * @param unchanged rows received again without change (or older than what we hold)
 * @param credited referrals inserted or changed and credited as they were written ({@link ResourceWriter.Mode})
 */
public record WriteResult(int written, int unchanged, int credited) {

    public static final WriteResult NONE = new WriteResult(0, 0, 0);

    public WriteResult(int written, int unchanged) {
        this(written, unchanged, 0);
    }

    public WriteResult plus(WriteResult other) {
        return new WriteResult(written + other.written, unchanged + other.unchanged, credited + other.credited);
    }
}
