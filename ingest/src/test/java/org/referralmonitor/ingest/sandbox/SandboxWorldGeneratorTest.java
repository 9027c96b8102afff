package org.referralmonitor.ingest.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Test;

class SandboxWorldGeneratorTest {

    static final FhirContext FHIR = FhirContext.forR4();
    static final LocalDate AS_OF = LocalDate.of(2026, 11, 23);

    static SandboxWorld generate(long seed) {
        return new SandboxWorldGenerator(FHIR).generate(SandboxSpec.demo(seed, AS_OF, 24, 30));
    }

    @Test
    void sameSeedGivesTheSameWorldByteForByte() {
        SandboxWorld a = generate(7);
        SandboxWorld b = generate(7);
        assertThat(a.clinics().get(0).resources()).isEqualTo(b.clinics().get(0).resources());
        assertThat(generate(8).clinics().get(0).resources()).isNotEqualTo(a.clinics().get(0).resources());
    }

    @Test
    void plantsFiveSlowdownsPerClinicAtSourcesLargeEnoughToSee() {
        SandboxWorld world = generate(20261123);
        YearMonth last = YearMonth.of(2026, 10);
        for (SandboxWorld.Clinic clinic : world.clinics()) {
            assertThat(clinic.practices()).hasSize(30);
            assertThat(clinic.planted()).hasSize(5);
            assertThat(clinic.planted().stream().filter(p -> p.covers(last)).count()).isEqualTo(4);
            for (SandboxWorld.PlantedSlowdown p : clinic.planted()) {
                assertThat(clinic.practice(p.organizationId()).monthlyRate()).isGreaterThanOrEqualTo(8);
            }
        }
    }

    @Test
    void nothingHappensAfterAsOfAndEveryReferenceResolves() {
        SandboxWorld.Clinic clinic = generate(3).clinics().get(1);
        Set<String> known = clinic.resources().stream().map(r -> r.type() + "/" + r.id()).collect(Collectors.toSet());
        var asOf = AS_OF.atStartOfDay(clinic.zone()).toInstant();
        for (SandboxWorld.Resource r : clinic.resources()) {
            assertThat(r.lastUpdated()).isBefore(asOf);
            if (r.type().equals("ServiceRequest") && r.id().startsWith("sr-0")) {
                ServiceRequest sr = FHIR.newJsonParser().parseResource(ServiceRequest.class, r.json());
                assertThat(known).contains(sr.getRequester().getReference());
                assertThat(sr.getAuthoredOn().toInstant()).isBefore(asOf);
            }
        }
    }

    @Test
    void truthCountsMatchTheReferralsServed() {
        SandboxWorld.Clinic clinic = generate(11).clinics().get(0);
        int truth = clinic.referralsByPractice().values().stream()
                .flatMap(m -> m.values().stream()).mapToInt(Integer::intValue).sum();
        long served = clinic.resources().stream().filter(r -> r.id().startsWith("sr-0")).count();
        assertThat(served).isEqualTo(truth);
        assertThat(clinic.invalidResources()).isEqualTo(2);
        Map<String, Long> types = clinic.resources().stream()
                .collect(Collectors.groupingBy(SandboxWorld.Resource::type, Collectors.counting()));
        assertThat(types).containsKeys("ServiceRequest", "Encounter", "Organization", "Practitioner", "PractitionerRole");
    }
}
