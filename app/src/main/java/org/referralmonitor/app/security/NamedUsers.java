package org.referralmonitor.app.security;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.referralmonitor.app.AppProperties;
import org.referralmonitor.ingest.IngestProperties;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * The named users of {@code referral-monitor.app.users}: each signs in as themselves, so the monitor
 * records who acknowledged an alert or logged a contact. Their passwords are read where their
 * references point (environment or file, never the configuration itself), as the password or as a
 * Spring Security hash; anything wrong stops the start with the user and the reason.
 */
final class NamedUsers {

    /** Names the built-in users take, and "anonymous", which is no one's. */
    static final Set<String> BUILT_IN = Set.of("admin", "coordinator", "manager", "demo", "anonymous");

    /** A password as Spring Security stores it: {id} then the hash. */
    private static final Pattern ENCODED = Pattern.compile("^\\{([^{}]+)\\}(.+)$", Pattern.DOTALL);

    /**
     * A bcrypt hash: version, cost 04 to 16 (beyond that one sign-in takes minutes of a core), 22
     * characters of salt and 31 of hash.
     */
    private static final Pattern BCRYPT = Pattern.compile("^\\$2[aby]\\$(0[4-9]|1[0-6])\\$[./A-Za-z0-9]{53}$");

    /** bcrypt reads at most this many bytes of a password. */
    private static final int MAX_PASSWORD_BYTES = 72;

    private NamedUsers() {
    }

    /**
     * The users, checked and with their passwords encoded.
     *
     * @param secrets reads a secret reference; the second argument says what it is, for its errors
     */
    static List<UserDetails> read(List<AppProperties.User> users, PasswordEncoder encoder, int minPasswordLength,
            BiFunction<String, String, String> secrets, Set<String> clinicIds) {
        List<UserDetails> details = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < users.size(); i++) {
            AppProperties.User user = users.get(i);
            String where = "referral-monitor.app.users[" + i + "]";
            if (BUILT_IN.contains(user.name())) {
                throw new IllegalStateException(where + ".name '" + user.name() + "' is a built-in user's name ("
                        + String.join(", ", BUILT_IN.stream().sorted().toList()) + "); choose another");
            }
            if (!seen.add(user.name())) {
                throw new IllegalStateException(where + ".name '" + user.name() + "' is defined twice");
            }
            String what = where + ".password-ref (user '" + user.name() + "')";
            String password = secrets.apply(user.passwordRef(), what).strip();
            details.add(User.withUsername(user.name()).password(encoded(password, encoder, minPasswordLength, what))
                    .authorities(authorities(user, where, clinicIds)).build());
        }
        return details;
    }

    /**
     * Refuses a password reference that endpoints and channels entered in the API or the dashboard may
     * name too: an administrator could have the monitor send that password to a server of their
     * choosing, then sign in as that person.
     */
    static void refuseEnteredSecret(String ref, String what, IngestProperties.EnteredSecrets entered) {
        try {
            entered.check(ref, what);
        } catch (IllegalArgumentException notNameable) {
            return;
        }
        throw new IllegalStateException(what + " names " + ref + ", which endpoints and channels entered in the API or "
                + "the dashboard may name too (" + entered.describe() + "): keep users' passwords elsewhere, "
                + "for example env:RM_USER_...");
    }

    /** The password as the encoder keeps it: a known hash as given, a password encoded. */
    private static String encoded(String secret, PasswordEncoder encoder, int minLength, String what) {
        var hash = ENCODED.matcher(secret);
        if (hash.matches()) {
            if (!"bcrypt".equals(hash.group(1))) {
                throw new IllegalStateException(what + " holds a {" + hash.group(1) + "} hash; only {bcrypt} hashes "
                        + "are taken (or the password itself)");
            }
            if (!BCRYPT.matcher(hash.group(2)).matches()) {
                throw new IllegalStateException(what + " holds a {bcrypt} hash that is not one ($2a$, $2b$ or $2y$, "
                        + "a cost from 04 to 16, $, then 53 characters)");
            }
            return secret;
        }
        if (secret.length() < minLength) {
            throw new IllegalStateException(what + " is a password of " + secret.length() + " characters; use at "
                    + "least " + minLength + ", or a hash ({bcrypt}...)");
        }
        checkLength(secret, what);
        return encoder.encode(secret);
    }

    /** Refuses a password bcrypt cannot take whole. */
    static void checkLength(String password, String what) {
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
            throw new IllegalStateException(what + " is a password of more than " + MAX_PASSWORD_BYTES + " bytes, "
                    + "which bcrypt cannot tell from its first " + MAX_PASSWORD_BYTES + "; use a shorter one");
        }
    }

    /** Its roles (ROLE_...) and the clinics it is limited to (CLINIC_...), checked. */
    private static String[] authorities(AppProperties.User user, String where, Set<String> clinicIds) {
        List<String> authorities = new ArrayList<>();
        for (String role : roles(user.roles())) {
            authorities.add("ROLE_" + role);
        }
        if (!user.clinics().isEmpty() && user.roles().contains("admin")) {
            throw new IllegalStateException(where + ".clinics: user '" + user.name() + "' is an admin, who sees every "
                    + "clinic; leave clinics out, or give the user the coordinator or manager role");
        }
        for (String clinic : user.clinics()) {
            if (!clinicIds.contains(clinic)) {
                throw new IllegalStateException(where + ".clinics: no clinic '" + clinic + "' (user '" + user.name()
                        + "'); the clinics are " + String.join(", ", new java.util.TreeSet<>(clinicIds)));
            }
            authorities.add(ClinicAccess.PREFIX + clinic);
        }
        return authorities.toArray(String[]::new);
    }

    /** admin is every role, as the built-in admin's. */
    private static String[] roles(List<String> roles) {
        Set<String> granted = new LinkedHashSet<>();
        for (String role : roles) {
            switch (role) {
                case "admin" -> granted.addAll(List.of(Roles.ADMIN, Roles.COORDINATOR, Roles.MANAGER));
                case "coordinator" -> granted.add(Roles.COORDINATOR);
                case "manager" -> granted.add(Roles.MANAGER);
                default -> throw new IllegalStateException("Unknown role '" + role + "': admin, coordinator or manager");
            }
        }
        return granted.toArray(String[]::new);
    }
}
