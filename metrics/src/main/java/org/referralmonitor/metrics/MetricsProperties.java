package org.referralmonitor.metrics;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Everything the metrics module reads from configuration ({@code referral-monitor.metrics.*}).
 * Each key is documented in {@code config/application.yml}.
 */
@ConfigurationProperties("referral-monitor.metrics")
@Validated
public record MetricsProperties(
        @Min(3) @Max(36) @DefaultValue("12") int baselineMonths,
        @Min(1) @Max(36) @DefaultValue("6") int minHistoryMonths,
        @DecimalMin("0.05") @DecimalMax("0.95") @DefaultValue("0.30") double dropThreshold,
        @DecimalMin("0.0001") @DecimalMax("0.5") @DefaultValue("0.05") double alpha,
        @DecimalMin("0.5") @DefaultValue("3.0") double minExpected,
        @Min(1) @Max(10000) @DefaultValue("500") int chunkSize,
        @NotBlank @DefaultValue("0 0 3 1 * *") String monthlyCloseSchedule,
        @DefaultValue("true") boolean recomputeAfterSync) {
}
