package org.referralmonitor.ingest.sandbox;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * A generated EMR world with its ground truth: what the sandbox serves, and what a correct
 * monitor should conclude from it (planted slowdowns, referrals per source and month).
 */
public record SandboxWorld(SandboxSpec spec, List<Clinic> clinics) {

    public Clinic clinic(String id) {
        return clinics.stream().filter(c -> c.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No sandbox clinic " + id));
    }

    /**
     * One receiving clinic and its EMR content.
     *
     * @param referralsByPractice organization id to month to referrals generated (the truth)
     * @param invalidResources resources generated broken on purpose (they must land in review)
     */
    public record Clinic(String id, String name, ZoneId zone, String ownOrganizationId, List<Practice> practices,
            List<PlantedSlowdown> planted, List<Resource> resources,
            Map<String, Map<YearMonth, Integer>> referralsByPractice, int invalidResources) {

        public Practice practice(String organizationId) {
            return practices.stream().filter(p -> p.organizationId().equals(organizationId)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("No practice " + organizationId));
        }

        public long count(String type) {
            return resources.stream().filter(r -> r.type().equals(type)).count();
        }
    }

    /**
     * A referring practice.
     *
     * @param requesterStyle how its referrals name the requester: PractitionerRole, Practitioner or Organization
     */
    public record Practice(String organizationId, String name, String npi, double monthlyRate, double conversionRate,
            String requesterStyle, List<String> practitionerIds) {
    }

    /** A slowdown put into the data on purpose: the practice sends {@code drop} fewer referrals in these months. */
    public record PlantedSlowdown(String clinicId, String organizationId, String npi, String name, YearMonth firstMonth,
            YearMonth lastMonth, double drop) {

        public boolean covers(YearMonth month) {
            return !month.isBefore(firstMonth) && !month.isAfter(lastMonth);
        }
    }

    /**
     * One FHIR resource as served.
     *
     * @param patientId the patient it belongs to (for patient-anchored search), or null
     * @param practitionerId for PractitionerRole: its practitioner (for {@code practitioner=} search)
     */
    public record Resource(String type, String id, Instant lastUpdated, String patientId, String practitionerId,
            String json) {
    }
}
