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
        @DefaultValue @Valid Sandbox sandbox) {

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
            @NotNull @DefaultValue("lenient") ValidationLevel validation) {
    }

    public record Http(
            @NotNull @DefaultValue("10s") Duration connectTimeout,
            @NotNull @DefaultValue("60s") Duration requestTimeout) {
    }

    public record Retry(
            @Min(0) @Max(20) @DefaultValue("4") int maxRedeliveries,
            @NotNull @DefaultValue("1s") Duration initialDelay,
            @DecimalMin("1.0") @DefaultValue("2.0") double backoffMultiplier,
            @NotNull @DefaultValue("60s") Duration maxDelay,
            @NotNull @DefaultValue("120s") Duration maxRetryAfter) {
    }

    public record Sandbox(
            @DefaultValue("false") boolean enabled,
            @DefaultValue("20261123") long seed,
            @Min(2) @Max(500) @DefaultValue("30") int practicesPerClinic,
            @Min(13) @Max(60) @DefaultValue("24") int months,
            @Min(10) @Max(1000) @DefaultValue("200") int pageSize) {
    }
}
