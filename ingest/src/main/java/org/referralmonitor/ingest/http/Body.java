package org.referralmonitor.ingest.http;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A response body kept in the pieces the HTTP client delivered (at most its buffer size, 16 KB by
 * default), never joined into one array. A search page of a thousand resources is a megabyte or
 * more: as one array it is a humongous object for the G1 collector (at least half a heap region, 512
 * KB in a 512 MB heap), and each humongous allocation with the heap half full starts a concurrent
 * marking of the whole heap. Read as pieces, a page costs its bytes and nothing more.
 */
public final class Body {

    private final List<byte[]> pieces;
    private final long length;

    private Body(List<byte[]> pieces) {
        this.pieces = List.copyOf(pieces);
        long total = 0;
        for (byte[] piece : this.pieces) {
            total += piece.length;
        }
        this.length = total;
    }

    /** A body of the given pieces, in order. */
    static Body of(List<byte[]> pieces) {
        return new Body(pieces);
    }

    /** A body of one array (small bodies, tests). */
    public static Body of(byte[] bytes) {
        return new Body(bytes == null ? List.of() : List.of(bytes));
    }

    public long length() {
        return length;
    }

    /** The size of the largest piece held. */
    int largestPiece() {
        int largest = 0;
        for (byte[] piece : pieces) {
            largest = Math.max(largest, piece.length);
        }
        return largest;
    }

    /** The body from its first byte, piece after piece; nothing is copied. */
    public InputStream stream() {
        List<InputStream> streams = new ArrayList<>(pieces.size());
        for (byte[] piece : pieces) {
            streams.add(new ByteArrayInputStream(piece));
        }
        return new SequenceInputStream(Collections.enumeration(streams));
    }

    /** The body as one array: for small bodies (metadata, tokens, manifests, error messages). */
    public byte[] bytes() {
        if (pieces.size() == 1) {
            return pieces.get(0);
        }
        byte[] all = new byte[Math.toIntExact(length)];
        int at = 0;
        for (byte[] piece : pieces) {
            System.arraycopy(piece, 0, all, at, piece.length);
            at += piece.length;
        }
        return all;
    }

    /** The first {@code max} bytes or fewer as UTF-8 text (a character cut at the end is replaced). */
    public String start(int max) {
        byte[] head = new byte[(int) Math.min(max, length)];
        int at = 0;
        for (byte[] piece : pieces) {
            if (at == head.length) {
                break;
            }
            int n = Math.min(piece.length, head.length - at);
            System.arraycopy(piece, 0, head, at, n);
            at += n;
        }
        return new String(head, StandardCharsets.UTF_8);
    }
}
