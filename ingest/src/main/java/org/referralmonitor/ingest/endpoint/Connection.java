package org.referralmonitor.ingest.endpoint;

import java.time.Duration;
import java.util.List;
import org.referralmonitor.profiles.ReferralCodes;

/**
 * How the monitor reaches, authenticates to and pulls from an endpoint.
 *
 * @param concurrency requests in flight at once (patients crawled in parallel, file downloads)
 * @param overlap how far before the watermark each incremental window starts again
 * @param lag how far behind the server's clock each window ends, so commits in flight are not missed
 * @param reconcileSchedule cron of the reconciliation that re-pulls the last 120 days (weekly unless set), or "-"
 * @param ownOrganizations the clinic's own organizations ("Organization/id" or "npi:..."): referrals they
 *     request are outbound; visits they provide can convert referrals
 */
public record Connection(
        PullStrategy strategy,
        int concurrency,
        Duration overlap,
        Duration lag,
        String reconcileSchedule,
        List<String> ownOrganizations,
        Auth auth,
        Roster roster,
        Bulk bulk,
        ReferralRule referralRule) {

    /** The resource types every strategy pulls: the referrals and the visits they became. */
    public static final List<String> PULLED_TYPES = List.of("ServiceRequest", "Encounter");

    /** The weekly reconciliation: Sundays at 04:00, server time. */
    public static final String WEEKLY_RECONCILIATION = "0 0 4 * * SUN";

    public static final Connection DEFAULT = new Connection(PullStrategy.SEARCH, 2, Duration.ofMinutes(5),
            Duration.ofSeconds(30), WEEKLY_RECONCILIATION, List.of(), Auth.NONE, Roster.NONE, Bulk.DEFAULT,
            ReferralRule.DEFAULT);

    public Connection {
        ownOrganizations = ownOrganizations == null ? List.of() : List.copyOf(ownOrganizations);
        auth = auth == null ? Auth.NONE : auth;
        roster = roster == null ? Roster.NONE : roster;
        bulk = bulk == null ? Bulk.DEFAULT : bulk;
        referralRule = referralRule == null ? ReferralRule.DEFAULT : referralRule;
    }

    public enum AuthKind { NONE, BASIC, BEARER, CLIENT_SECRET, SMART_BACKEND }

    public enum ClientAuth { BASIC, POST }

    /**
     * Credentials. Fields ending in "Ref" name where a secret lives ("env:NAME" or "file:/path"); the
     * secret itself is never stored or logged.
     *
     * @param scopes scopes to ask for; when empty they are chosen from what the server lists
     * @param algorithm RS384 or ES384, for SMART Backend Services
     */
    public record Auth(AuthKind kind, String username, String passwordRef, String tokenRef, String tokenUrl,
            String clientId, String clientSecretRef, ClientAuth clientAuth, String scopes, String privateKeyRef,
            String keyId, String algorithm) {

        public static final Auth NONE = new Auth(AuthKind.NONE, null, null, null, null, null, null, null, null, null,
                null, null);

        public Auth {
            kind = kind == null ? AuthKind.NONE : kind;
        }
    }

    public enum RosterSource { NONE, GROUP, PATIENT_SEARCH, LIST }

    /**
     * Where the patient roster comes from.
     *
     * @param patientQuery a Patient search, e.g. {@code Patient?organization=Organization/12}
     * @param patients patient ids, for a configured list
     */
    public record Roster(RosterSource source, String groupId, String patientQuery, List<String> patients) {

        public static final Roster NONE = new Roster(RosterSource.NONE, null, null, List.of());

        public Roster {
            source = source == null ? RosterSource.NONE : source;
            patients = patients == null ? List.of() : List.copyOf(patients);
        }
    }

    public enum ExportLevel { SYSTEM, GROUP }

    /** Bulk Data export: at system level or for a Group, of these types. */
    public record Bulk(ExportLevel level, String groupId, List<String> types) {

        public static final Bulk DEFAULT = new Bulk(ExportLevel.SYSTEM, null, List.of());

        public Bulk {
            level = level == null ? ExportLevel.SYSTEM : level;
            types = types == null ? List.of() : List.copyOf(types);
        }
    }

    /**
     * "Is this ServiceRequest a referral?", per endpoint and versioned: a coding ("system|code") from
     * {@code codes} in category or code, and an intent not in {@code excludedIntents}. Every request
     * records the rule and version that classified it; a new version re-classifies what is stored.
     */
    public record ReferralRule(String id, int version, List<String> codes, List<String> excludedIntents) {

        public static final ReferralRule DEFAULT = new ReferralRule(ReferralCodes.DEFAULT_RULE, 1,
                ReferralCodes.SNOMED_REFERRAL_CODES.stream().sorted().map(c -> ReferralCodes.SNOMED + "|" + c).toList(),
                List.of("proposal", "plan", "option"));

        public ReferralRule {
            codes = codes == null ? List.of() : List.copyOf(codes);
            excludedIntents = excludedIntents == null ? List.of() : List.copyOf(excludedIntents);
        }

        /** What a classified request records: "id@version". */
        public String label() {
            return id + "@" + version;
        }
    }
}
