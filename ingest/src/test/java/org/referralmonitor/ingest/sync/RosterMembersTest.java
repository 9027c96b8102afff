package org.referralmonitor.ingest.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.capability.ServerCapabilities;

/**
 * Which Group members are crawled, how a patient is named in the crawl's searches, and which SMART
 * scope version is asked.
 */
class RosterMembersTest {

    private static final URI BASE = URI.create("https://emr.example.org/fhir/r4/");
    private static final OffsetDateTime NOW = OffsetDateTime.of(2026, 12, 7, 12, 0, 0, 0, ZoneOffset.UTC);

    @Test
    void aMemberIsAPatientOfThisServerInAnyForm() {
        assertThat(RosterPull.patientId("Patient/p1", BASE)).isEqualTo("p1");
        assertThat(RosterPull.patientId("Patient/p1/_history/3", BASE)).as("versioned").isEqualTo("p1");
        assertThat(RosterPull.patientId("https://emr.example.org/fhir/r4/Patient/p.2", BASE)).isEqualTo("p.2");
        assertThat(RosterPull.patientId("https://other.example.org/fhir/Patient/p3", BASE))
                .as("another server's patient").isNull();
        assertThat(RosterPull.patientId("Practitioner/dr1", BASE)).isNull();
        assertThat(RosterPull.patientId("", BASE)).as("named by identifier only").isNull();
    }

    @Test
    void aMembershipThatEndedIsNotCrawled() {
        assertThat(RosterPull.ended("2026-12-06", NOW)).isTrue();
        assertThat(RosterPull.ended("2026-12-07", NOW)).as("ends today").isFalse();
        assertThat(RosterPull.ended("2026-11", NOW)).isTrue();
        assertThat(RosterPull.ended("2026", NOW)).as("a year: until its end").isFalse();
        assertThat(RosterPull.ended("2026-12-07T11:00:00Z", NOW)).isTrue();
        assertThat(RosterPull.ended("2027-01-01T00:00:00+01:00", NOW)).isFalse();
        assertThat(RosterPull.ended(null, NOW)).isFalse();
        assertThat(RosterPull.ended("not a date", NOW)).as("kept unless we know it left").isFalse();
    }

    /** SMART scope versions: by the system scopes listed, else by permission-v2 (the list need not be complete). */
    @Test
    void scopeVersionsFollowTheListedSystemScopesElseTheDeclaredCapability() {
        assertThat(capabilities(java.util.List.of("system/*.rs"), java.util.List.of()).scopesV2()).isTrue();
        assertThat(capabilities(java.util.List.of("system/Encounter.read"), java.util.List.of("permission-v2"))
                .scopesV2()).as("v1 listed").isFalse();
        assertThat(capabilities(java.util.List.of("patient/*.rs", "user/*.rs", "openid"),
                java.util.List.of("permission-v2")).scopesV2()).as("no system scope listed: permission-v2").isTrue();
        assertThat(capabilities(java.util.List.of("patient/*.read", "openid"), java.util.List.of()).scopesV2())
                .isFalse();
    }

    private static ServerCapabilities capabilities(java.util.List<String> scopes, java.util.List<String> smart) {
        return new ServerCapabilities("4.0.1", "test", java.util.Map.of(), false, false, false, true,
                "https://emr.example.org/token", java.util.List.of(), java.util.List.of(), scopes, smart, NOW);
    }

    @Test
    void aServerDeclaringOnlySubjectIsAskedBySubject() {
        assertThat(new ServerCapabilities.TypeSupport(true, true, Set.of("subject", "_lastUpdated"), true)
                .patientParameter()).isEqualTo("subject");
        assertThat(new ServerCapabilities.TypeSupport(true, true, Set.of("patient", "subject"), true)
                .patientParameter()).isEqualTo("patient");
    }
}
