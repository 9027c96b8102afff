package org.referralmonitor.metrics;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
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
        @Min(3) @Max(24) @DefaultValue("12") int baselineMonths,
        @Min(1) @Max(24) @DefaultValue("6") int minHistoryMonths,
        @DefaultValue("true") boolean trimBaseline,
        @DefaultValue("true") boolean seasonal,
        @DecimalMin("0.05") @DecimalMax("0.95") @DefaultValue("0.30") double dropThreshold,
        @DecimalMin("0.0001") @DecimalMax("0.5") @DefaultValue("0.05") double alpha,
        @DecimalMin("0.0001") @DecimalMax("0.5") @DefaultValue("0.01") double dispersionAlpha,
        @DecimalMin("0.5") @DefaultValue("3.0") double minExpected,
        @Min(0) @Max(366) @DefaultValue("45") int provisionalDays,
        @DefaultValue("false") boolean alertProvisional,
        @Min(1) @Max(24) @DefaultValue("1") int alertMonths,
        @Min(7) @Max(366) @DefaultValue("45") int goneDarkDays,
        @DecimalMin("0.1") @DefaultValue("2.0") double goneDarkMinExpected,
        @DefaultValue("true") boolean twoMonthSlowdown,
        @Min(2) @Max(6) @DefaultValue("3") int sustainedMonths,
        @DecimalMin("0.0") @DecimalMax("0.95") @DefaultValue("0.15") double sustainedDrop,
        @DecimalMin("1.1") @DefaultValue("2.0") double reciprocityRatio,
        @DecimalMin("0.1") @DecimalMax("1.0") @DefaultValue("0.6") double feedDropShare,
        @Min(1) @DefaultValue("3") int feedMinSources,
        @DecimalMin("0.0") @DefaultValue("250") double valuePerConversion,
        @DefaultValue List<@Valid Clinic> clinics,
        @Min(1) @Max(10000) @DefaultValue("2000") int chunkSize,
        @NotBlank @DefaultValue("0 0 3 1 * *") String monthlyCloseSchedule,
        @DefaultValue("true") boolean recomputeAfterSync,
        @Min(1) @Max(120) @DefaultValue("13") int recomputeMonths,
        @Min(1) @Max(16) @DefaultValue("2") int jobConcurrency,
        @Min(1) @Max(12) @DefaultValue("3") int outreachBeforeMonths,
        @Min(1) @Max(24) @DefaultValue("6") int outreachAfterMonths,
        @Min(0) @Max(10) @DefaultValue("3") int failedRunRetries,
        @NotNull @DurationMin(seconds = 1) @DurationMax(days = 1) @DefaultValue("10m") Duration failedRunRetryDelay) {

    public MetricsProperties {
        clinics = clinics == null ? List.of() : List.copyOf(clinics);
    }

    /**
     * What one clinic does differently from the defaults above; a missing value means the default.
     *
     * @param valuePerConversion what a converted referral is worth to this clinic, for revenue at risk
     */
    public record Clinic(
            @NotBlank @Pattern(regexp = "[a-z0-9][a-z0-9-]{0,63}") String id,
            @Min(3) @Max(24) Integer baselineMonths,
            Boolean trimBaseline,
            Boolean seasonal,
            @DecimalMin("0.0") Double valuePerConversion) {
    }

    /** The settings that apply to one clinic: its overrides, else the defaults. */
    public ClinicSettings forClinic(String clinicId) {
        Optional<Clinic> c = clinics.stream().filter(x -> x.id().equals(clinicId)).findFirst();
        return new ClinicSettings(
                c.map(Clinic::baselineMonths).orElse(baselineMonths),
                c.map(Clinic::trimBaseline).orElse(trimBaseline),
                c.map(Clinic::seasonal).orElse(seasonal),
                c.map(Clinic::valuePerConversion).orElse(valuePerConversion));
    }

    /** The baseline and value settings of one clinic, overrides applied. */
    public record ClinicSettings(int baselineMonths, boolean trimBaseline, boolean seasonal,
            double valuePerConversion) {
    }
}
