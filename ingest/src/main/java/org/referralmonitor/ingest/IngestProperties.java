package org.referralmonitor.ingest;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.referralmonitor.ingest.endpoint.Connection;
import org.referralmonitor.ingest.endpoint.PullStrategy;
import org.referralmonitor.ingest.endpoint.SecretRefs;
import org.referralmonitor.ingest.endpoint.ValidationLevel;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Everything the ingest module reads from configuration ({@code referral-monitor.ingest.*}).
 * Each key is documented in {@code config/application.yml}.
 */
@ConfigurationProperties("referral-monitor.ingest")
@Validated
public record IngestProperties(
        @DefaultValue List<@Valid Clinic> clinics,
        @DefaultValue List<@Valid Endpoint> endpoints,
        @DefaultValue("true") boolean syncOnStartup,
        @NotBlank @DefaultValue("0 0 2 * * *") String defaultSchedule,
        String pseudonymKey,
        @DefaultValue @Valid Http http,
        @DefaultValue @Valid Retry retry,
        @DefaultValue @Valid Pull pull,
        @DefaultValue @Valid Sandbox sandbox,
        @DefaultValue @Valid EnteredSecrets enteredSecrets,
        @DefaultValue @Valid Instance instance) {

    public IngestProperties {
        enteredSecrets = enteredSecrets == null ? EnteredSecrets.DEFAULT : enteredSecrets;
        instance = instance == null ? new Instance(Duration.ofSeconds(30), Duration.ofSeconds(90)) : instance;
    }

    /** A schedule that never fires: no scheduled syncs, only on request. */
    public static final String NO_SCHEDULE = "-";

    /** Ids of clinics and endpoints: lower-case letters, digits and dashes, as they appear in URLs. */
    public static final String ID_PATTERN = "[a-z0-9][a-z0-9-]{0,63}";

    public record Clinic(
            @NotBlank @Pattern(regexp = ID_PATTERN) String id,
            @NotBlank String name,
            @NotBlank @DefaultValue("America/New_York") String timeZone) {
    }

    public record Endpoint(
            @NotBlank @Pattern(regexp = ID_PATTERN) String id,
            @NotBlank String clinic,
            String name,
            @NotNull URI baseUrl,
            @DefaultValue("100") @Min(1) @Max(1000) int pageSize,
            String schedule,
            @DefaultValue("true") boolean enabled,
            @NotNull @DefaultValue("lenient") ValidationLevel validation,
            @NotNull @DefaultValue("search") PullStrategy strategy,
            @Min(1) @Max(16) @DefaultValue("2") int concurrency,
            @NotNull @DefaultValue("5m") Duration windowOverlap,
            @NotNull @DefaultValue("30s") Duration windowLag,
            @NotBlank @DefaultValue(Connection.WEEKLY_RECONCILIATION) String reconcileSchedule,
            @DefaultValue List<String> ownOrganizations,
            Connection.Auth auth,
            Connection.Roster roster,
            Connection.Bulk bulk,
            Connection.ReferralRule referralRule) {

        /** How to reach and pull from this endpoint. */
        public Connection connection() {
            return new Connection(strategy, concurrency, windowOverlap, windowLag, reconcileSchedule, ownOrganizations,
                    auth, roster, bulk, referralRule);
        }
    }

    public record Http(
            @NotNull @DefaultValue("10s") Duration connectTimeout,
            @NotNull @DefaultValue("60s") Duration requestTimeout,
            @NotNull @DefaultValue("60s") Duration readIdleTimeout) {
    }

    public record Retry(
            @Min(0) @Max(20) @DefaultValue("4") int maxRedeliveries,
            @NotNull @DefaultValue("1s") Duration initialDelay,
            @DecimalMin("1.0") @DefaultValue("2.0") double backoffMultiplier,
            @NotNull @DefaultValue("60s") Duration maxDelay,
            @NotNull @DefaultValue("120s") Duration maxRetryAfter) {
    }

    /**
     * How syncs pull and what they conclude, for every endpoint.
     *
     * @param conversionWindowDays a referral converts when the same patient has a visit with the clinic
     *     within this many days (when no Encounter.basedOn names it)
     * @param reconcileDays how far back a reconciliation re-pulls
     * @param rosterBatch patients crawled between two commits
     * @param rosterIncremental a patient the roster crawl read before is asked only for what changed
     *     since ({@code _lastUpdated=ge}, where the server declares it for the type); false: every
     *     patient read in full at every sync
     */
    public record Pull(
            @Min(1) @Max(730) @DefaultValue("90") int conversionWindowDays,
            @Min(1) @Max(3650) @DefaultValue("120") int reconcileDays,
            @Min(1) @Max(1000) @DefaultValue("50") int rosterBatch,
            @DefaultValue("true") boolean rosterIncremental,
            @NotNull @DefaultValue("10s") Duration bulkPollInterval,
            @NotNull @DefaultValue("5m") Duration bulkMaxPollInterval,
            @NotNull @DefaultValue("6h") Duration bulkMaxWait,
            @Min(10) @Max(100000) @DefaultValue("1000") int bulkChunk,
            @NotNull @DefaultValue("24h") Duration directoryRecheck,
            @DefaultValue({}) List<@NotBlank String> bulkDownloadHosts) {
    }

    public record Sandbox(
            @DefaultValue("false") boolean enabled,
            @DefaultValue("20261123") long seed,
            @Min(2) @Max(500) @DefaultValue("30") int practicesPerClinic,
            @Min(13) @Max(60) @DefaultValue("24") int months,
            @Min(10) @Max(1000) @DefaultValue("200") int pageSize) {
    }

    /**
     * One process runs the jobs of a database ({@code InstanceLease}).
     *
     * @param leaseTtl how long after its last heartbeat (every third of this) a holder's lease lapses
     * @param startupWait how long a process waits at start for another live holder to stop
     */
    public record Instance(
            @NotNull @DefaultValue("30s") Duration leaseTtl,
            @NotNull @DefaultValue("90s") Duration startupWait) {
    }

    /**
     * Where secrets named by endpoints and notification channels entered through the API or the
     * dashboard may be: an administrator of the monitor must not be able to have it send any
     * variable or file the process can read (its database password, the pseudonym key) to a server
     * of their choosing. Definitions in configuration files are not limited.
     *
     * @param envPrefixes environment variables whose names start with one of these
     * @param fileDirs files under one of these directories
     */
    public record EnteredSecrets(
            @DefaultValue("RM_SECRET_") List<@NotBlank String> envPrefixes,
            @DefaultValue("/run/secrets/referral-monitor/") List<@NotBlank String> fileDirs) {

        /** The defaults above. */
        public static final EnteredSecrets DEFAULT = new EnteredSecrets(List.of("RM_SECRET_"),
                List.of("/run/secrets/referral-monitor/"));

        /**
         * Refuses a reference outside the allowed variables and directories, saying which are allowed.
         *
         * @throws IllegalArgumentException saying what is wrong and where
         */
        public void check(String ref, String what) {
            SecretRefs.checkAllowed(ref, what, envPrefixes, fileDirs);
        }

        /** {@link #check(String, String)} of each secret an endpoint's auth names. */
        public void check(Connection.Auth auth) {
            check(auth.passwordRef(), "auth.passwordRef");
            check(auth.tokenRef(), "auth.tokenRef");
            check(auth.clientSecretRef(), "auth.clientSecretRef");
            check(auth.privateKeyRef(), "auth.privateKeyRef");
        }

        /** The allowed variables and directories, in words. */
        public String describe() {
            return SecretRefs.describeAllowed(envPrefixes, fileDirs);
        }
    }
}
