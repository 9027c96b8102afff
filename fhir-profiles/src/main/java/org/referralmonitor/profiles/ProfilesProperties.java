package org.referralmonitor.profiles;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * What the fhir-profiles module reads from configuration ({@code referral-monitor.profiles.*}).
 * Each key is documented in {@code config/application.yml}.
 */
@ConfigurationProperties("referral-monitor.profiles")
@Validated
public record ProfilesProperties(
        @Min(100) @Max(1_000_000) @DefaultValue("20000") int validationCacheSize,
        @DefaultValue("true") boolean warmUpAtStartup) {
}
