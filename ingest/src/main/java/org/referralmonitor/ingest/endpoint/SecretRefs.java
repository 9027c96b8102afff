package org.referralmonitor.ingest.endpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Secrets are named, never written down: "env:NAME" reads an environment variable, "file:/path" a
 * file outside the repository (a mounted secret). Only the name is stored; the value is read when
 * needed and never logged.
 */
public final class SecretRefs {

    private static final Pattern REF = Pattern.compile("^(env:[A-Za-z_][A-Za-z0-9_]*|file:/.+)$");

    private SecretRefs() {
    }

    /** Refuses anything but a reference, saying what was expected. */
    public static void check(String ref, String what) {
        if (ref != null && !REF.matcher(ref).matches()) {
            throw new IllegalArgumentException(what + " must name where the secret is, as env:VARIABLE or "
                    + "file:/absolute/path, never the secret itself");
        }
    }

    /** The secret named by the reference. */
    public static String read(String ref, String what) {
        if (ref == null || ref.isBlank()) {
            throw new IllegalStateException(what + " is not set");
        }
        check(ref, what);
        if (ref.startsWith("env:")) {
            String value = System.getenv(ref.substring(4));
            if (value == null || value.isEmpty()) {
                throw new IllegalStateException(what + ": the environment variable " + ref.substring(4) + " is not set");
            }
            return value;
        }
        Path file = Path.of(ref.substring(5));
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new IllegalStateException(what + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }
}
