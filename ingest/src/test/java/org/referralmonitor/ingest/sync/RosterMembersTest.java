package org.referralmonitor.ingest.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.capability.ServerCapabilities;

/** Which Group members are crawled, and how a patient is named in the crawl's searches. */
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

    @Test
    void aServerDeclaringOnlySubjectIsAskedBySubject() {
        assertThat(new ServerCapabilities.TypeSupport(true, true, Set.of("subject", "_lastUpdated"), true)
                .patientParameter()).isEqualTo("subject");
        assertThat(new ServerCapabilities.TypeSupport(true, true, Set.of("patient", "subject"), true)
                .patientParameter()).isEqualTo("patient");
    }
}
