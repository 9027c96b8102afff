package org.referralmonitor.ingest.sync;

import java.nio.charset.StandardCharsets;
import com.google.common.hash.Hashing;

/**
 * The distinct resource ids seen in a window, kept as 64-bit hashes in an open-addressing table:
 * about 16 bytes per id instead of a hundred, so a million-resource window fits in a small heap.
 * (Two ids sharing a 64-bit hash is a chance of about 1 in 10^7 per billion pairs.)
 */
final class IdSet {

    private long[] slots = new long[1024];
    private int size;
    private boolean hasZero;
    /** The sum of the ids' hashes: the same for the same ids in any order. */
    private long fingerprint;

    /** @return true when the id was not there yet */
    boolean add(String id) {
        long h = Hashing.murmur3_128().hashString(id, StandardCharsets.UTF_8).asLong();
        if (h == 0) {
            boolean added = !hasZero;
            hasZero = true;
            size += added ? 1 : 0;
            return added;
        }
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        boolean added = insert(slots, h);
        if (added) {
            fingerprint += h;
        }
        return added;
    }

    /** Whether it holds the same ids as another (by their 64-bit hashes, in any order). */
    boolean sameIds(int otherSize, long otherFingerprint) {
        return size == otherSize && fingerprint == otherFingerprint;
    }

    long fingerprint() {
        return fingerprint;
    }

    boolean contains(String id) {
        long h = Hashing.murmur3_128().hashString(id, StandardCharsets.UTF_8).asLong();
        if (h == 0) {
            return hasZero;
        }
        int mask = slots.length - 1;
        for (int i = mix(h) & mask; ; i = (i + 1) & mask) {
            if (slots[i] == 0) {
                return false;
            }
            if (slots[i] == h) {
                return true;
            }
        }
    }

    int size() {
        return size;
    }

    void clear() {
        slots = new long[1024];
        size = 0;
        hasZero = false;
        fingerprint = 0;
    }

    private boolean insert(long[] table, long h) {
        int mask = table.length - 1;
        for (int i = mix(h) & mask; ; i = (i + 1) & mask) {
            if (table[i] == 0) {
                table[i] = h;
                size++;
                return true;
            }
            if (table[i] == h) {
                return false;
            }
        }
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        int kept = size;
        size = hasZero ? 1 : 0;
        for (long h : old) {
            if (h != 0) {
                insert(slots, h);
            }
        }
        assert size == kept;
    }

    private static int mix(long h) {
        return (int) (h ^ (h >>> 32));
    }
}
