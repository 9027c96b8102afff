package org.referralmonitor.app.security;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/**
 * Which clinics a signed-in user may see and work on. A named user with {@code clinics} sees those
 * only (each granted as a {@code CLINIC_<id>} authority); administrators, the built-in users and named
 * users without {@code clinics} see every clinic. Requests for another clinic's pages and data are
 * refused by {@link ClinicAccessInterceptor}; lists of clinics and endpoints ask {@link #allows}.
 */
public final class ClinicAccess {

    /** The authority that grants one clinic. */
    static final String PREFIX = "CLINIC_";

    private ClinicAccess() {
    }

    /** The clinics the user is limited to; empty when they may see every clinic. */
    public static Optional<Set<String>> limitedTo(Authentication user) {
        if (user == null) {
            return Optional.of(Set.of());
        }
        Set<String> authorities = user.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .collect(Collectors.toSet());
        if (authorities.contains("ROLE_" + Roles.ADMIN)) {
            return Optional.empty();
        }
        Set<String> clinics = authorities.stream().filter(a -> a.startsWith(PREFIX))
                .map(a -> a.substring(PREFIX.length())).collect(Collectors.toSet());
        return clinics.isEmpty() ? Optional.empty() : Optional.of(clinics);
    }

    /** Whether the user may see the clinic. */
    public static boolean allows(Authentication user, String clinicId) {
        return limitedTo(user).map(clinics -> clinics.contains(clinicId)).orElse(true);
    }
}
