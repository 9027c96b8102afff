package org.referralmonitor.ingest.fhir;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Content hashes: a row is rewritten only when what we keep of it changed. */
final class Hashing {

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private Hashing() {
    }

    static String sha256(Object... parts) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        for (Object part : parts) {
            digest.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0x1f);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
