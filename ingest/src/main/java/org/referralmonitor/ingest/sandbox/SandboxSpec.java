package org.referralmonitor.ingest.sandbox;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.List;

/**
 * What to generate.
 *
 * @param seed the same seed gives the same world, byte for byte
 * @param asOf "today" for the world: nothing happens after it; the last complete month is the one before
 * @param months complete months of history, ending with the last complete month
 * @param practicesPerClinic referring practices per clinic
 * @param clinics the receiving clinics
 */
public record SandboxSpec(long seed, LocalDate asOf, int months, int practicesPerClinic, List<ClinicSpec> clinics) {

    /** A receiving clinic of the sandbox world. */
    public record ClinicSpec(String id, String name, ZoneId zone, String specialtyCode, String specialtyDisplay) {
    }

    /** The two demo clinics: an orthopedic practice and a behavioral-health facility. */
    public static List<ClinicSpec> demoClinics() {
        return List.of(
                new ClinicSpec("lakeside-ortho", "Lakeside Orthopedics", ZoneId.of("America/New_York"),
                        "306206005", "Referral to service"),
                new ClinicSpec("harbor-behavioral", "Harbor Behavioral Health", ZoneId.of("America/Chicago"),
                        "183524004", "Referral to psychiatry service"));
    }

    public static SandboxSpec demo(long seed, LocalDate asOf, int months, int practicesPerClinic) {
        return new SandboxSpec(seed, asOf, months, practicesPerClinic, demoClinics());
    }

    public YearMonth lastCompleteMonth() {
        return YearMonth.from(asOf).minusMonths(1);
    }

    public YearMonth firstMonth() {
        return lastCompleteMonth().minusMonths(months - 1L);
    }
}
