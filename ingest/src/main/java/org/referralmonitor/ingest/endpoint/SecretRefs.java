package org.referralmonitor.ingest.endpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Secrets are named, never written down: "env:NAME" reads an environment variable, "file:/path" a
 * file outside the repository (a mounted secret). Only the name is stored; the value is read when
 * needed and never logged.
 */
public final class SecretRefs {

    /** The monitor's own secrets: never named by what the API or the dashboard entered, whatever the prefixes. */
    private static final Set<String> MONITOR_OWN = Set.of("RM_PSEUDONYM_KEY", "RM_ADMIN_PASSWORD",
            "RM_COORDINATOR_PASSWORD", "RM_MANAGER_PASSWORD", "SPRING_DATASOURCE_PASSWORD", "SPRING_MAIL_PASSWORD");

    private static final Pattern REF = Pattern.compile("^(env:[A-Za-z_][A-Za-z0-9_]*|file:/.+)$");

    private SecretRefs() {
    }

    /** Whether the value names where a secret is (env:VARIABLE or file:/absolute/path) rather than being one. */
    public static boolean isReference(String value) {
        return value != null && REF.matcher(value).matches();
    }

    /** Refuses anything but a reference, saying what was expected. */
    public static void check(String ref, String what) {
        if (ref != null && !REF.matcher(ref).matches()) {
            throw new IllegalArgumentException(what + " must name where the secret is, as env:VARIABLE or "
                    + "file:/absolute/path, never the secret itself");
        }
    }

    /**
     * Refuses a reference naming a variable that does not start with one of the prefixes (or is one
     * of the monitor's own, whatever the prefixes) or a file not under one of the directories ({@code
     * ..} and symbolic links resolved first, where the file exists).
     */
    public static void checkAllowed(String ref, String what, List<String> envPrefixes, List<String> fileDirs) {
        if (ref == null) {
            return;
        }
        check(ref, what);
        boolean allowed;
        if (ref.startsWith("env:")) {
            String name = ref.substring(4);
            allowed = !MONITOR_OWN.contains(name) && envPrefixes.stream().anyMatch(name::startsWith);
        } else {
            Path file = real(Path.of(ref.substring(5)));
            allowed = fileDirs.stream().map(Path::of).filter(Path::isAbsolute).map(SecretRefs::real)
                    .anyMatch(d -> file.startsWith(d) && !file.equals(d));
        }
        if (!allowed) {
            throw new IllegalArgumentException(what + " names " + ref + ", which is not among the secrets the API and "
                    + "the dashboard may name: " + describeAllowed(envPrefixes, fileDirs)
                    + " (referral-monitor.ingest.entered-secrets; or define it in the configuration files)");
        }
    }

    /** The path with "..", and symbolic links where it exists, resolved: where a read of it would land. */
    private static Path real(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    /** "environment variables starting with A or B, files under /x/ or /y/", for messages and hints. */
    public static String describeAllowed(List<String> envPrefixes, List<String> fileDirs) {
        List<String> parts = new ArrayList<>();
        if (!envPrefixes.isEmpty()) {
            parts.add("environment variables starting with " + String.join(" or ", envPrefixes));
        }
        if (!fileDirs.isEmpty()) {
            parts.add("files under " + String.join(" or ", fileDirs));
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
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
