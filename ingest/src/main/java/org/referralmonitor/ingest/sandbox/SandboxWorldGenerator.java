package org.referralmonitor.ingest.sandbox;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TimeZone;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.referralmonitor.profiles.Npi;
import org.referralmonitor.profiles.ReferralCodes;

/**
 * Generates a seeded EMR world: per clinic, referring practices with providers and roles, months
 * of referrals with seasonality and Poisson noise, visits for the referrals that convert, some
 * non-referral orders and a few broken resources, and planted slowdowns whose ground truth is
 * kept. Used by the built-in sandbox EMR and by tests; the same spec always gives the same world.
 */
public final class SandboxWorldGenerator {

    private static final String[] PLACES = {"Lakeside", "Riverbend", "Northgate", "Cedar Hill", "Maple Grove",
        "Harborview", "Westfield", "Brookside", "Summit", "Oak Park", "Pine Ridge", "Fairview", "Elmwood",
        "Stonebridge", "Willow Creek", "Highland", "Meadowbrook", "Bayside", "Clearwater", "Ashford", "Kingsley",
        "Granite Falls", "Silver Lake", "Redwood", "Foxhollow", "Bridgeport", "Hillcrest", "Sunnyvale",
        "Parkside", "Millbrook", "Eastwood", "Crescent", "Greenfield", "Shoreline", "Valley View", "Birchwood"};
    private static final String[] KINDS = {"Family Practice", "Pediatrics", "Internal Medicine", "Primary Care",
        "Family Medicine", "Urgent Care", "Community Health Center", "Medical Group", "Sports Medicine",
        "Women's Health"};
    private static final String[] GIVEN = {"Maria", "James", "Aisha", "Wei", "Daniel", "Sofia", "Omar", "Emily",
        "Raj", "Grace", "Lucas", "Hannah", "Samuel", "Chloe", "David", "Priya", "Michael", "Elena", "Kofi", "Laura"};
    private static final String[] FAMILY = {"Lopez", "Smith", "Khan", "Chen", "Okafor", "Rossi", "Haddad",
        "Johnson", "Patel", "Kim", "Nguyen", "Garcia", "Brown", "Schmidt", "Ivanova", "Walker", "Mensah", "Silva"};

    private static final String STATUS_REASON_URL = "http://hl7.org/fhir/StructureDefinition/request-statusReason";
    private static final String REVOKE_REASON_SYSTEM = "urn:referral-monitor:sandbox:revoke-reason";
    private static final String[][] REVOKE_REASONS = {{"declined", "Patient declined"},
        {"elsewhere", "Referred elsewhere"}, {"insurance", "Insurance not accepted"}, {"duplicate", "Duplicate referral"},
        {"declined", "Patient declined"}};

    private final FhirContext fhir;

    public SandboxWorldGenerator(FhirContext fhir) {
        this.fhir = fhir;
    }

    public SandboxWorld generate(SandboxSpec spec) {
        SplittableRandom seeds = new SplittableRandom(spec.seed());
        List<SandboxWorld.Clinic> clinics = new ArrayList<>();
        for (SandboxSpec.ClinicSpec clinic : spec.clinics()) {
            clinics.add(new ClinicBuilder(spec, clinic, seeds.split()).build());
        }
        return new SandboxWorld(spec, List.copyOf(clinics));
    }

    /** Builds one clinic's EMR. */
    private final class ClinicBuilder {

        private final SandboxSpec spec;
        private final SandboxSpec.ClinicSpec clinic;
        private final SplittableRandom rng;
        private final IParser json = fhir.newJsonParser();
        private final List<SandboxWorld.Resource> resources = new ArrayList<>();
        private final Map<String, Map<YearMonth, Integer>> counts = new LinkedHashMap<>();
        private final Instant asOf;
        private int referralSeq;
        private int encounterSeq;
        private int patientSeq;
        private int invalid;

        ClinicBuilder(SandboxSpec spec, SandboxSpec.ClinicSpec clinic, SplittableRandom rng) {
            this.spec = spec;
            this.clinic = clinic;
            this.rng = rng;
            this.asOf = spec.asOf().atStartOfDay(clinic.zone()).toInstant();
        }

        SandboxWorld.Clinic build() {
            String selfId = "org-self";
            add(organization(selfId, clinic.name(), npi(), spec.firstMonth()));
            List<SandboxWorld.Practice> practices = practices();
            List<SandboxWorld.PlantedSlowdown> planted = plant(practices);
            for (SandboxWorld.Practice practice : practices) {
                referrals(practice, planted, selfId);
            }
            otherOrders();
            otherVisits(selfId);
            brokenResources();
            resources.sort(Comparator.comparing(SandboxWorld.Resource::type).thenComparing(SandboxWorld.Resource::id));
            return new SandboxWorld.Clinic(clinic.id(), clinic.name(), clinic.zone(), selfId, List.copyOf(practices),
                    List.copyOf(planted), List.copyOf(resources), counts, invalid);
        }

        private List<SandboxWorld.Practice> practices() {
            List<SandboxWorld.Practice> practices = new ArrayList<>();
            LinkedHashSet<String> names = new LinkedHashSet<>();
            while (names.size() < spec.practicesPerClinic()) {
                String name = PLACES[rng.nextInt(PLACES.length)] + " " + KINDS[rng.nextInt(KINDS.length)];
                if (names.size() >= PLACES.length * KINDS.length / 2) {
                    name += " " + (names.size() + 1);
                }
                names.add(name);
            }
            int i = 0;
            for (String name : names) {
                i++;
                String orgId = String.format(Locale.ROOT, "org-%03d", i);
                double size = rng.nextDouble();
                double rate = size < 0.2 ? 1 + rng.nextDouble() * 2 : size < 0.8 ? 4 + rng.nextDouble() * 8
                        : 12 + rng.nextDouble() * 14;
                double conversion = 0.45 + rng.nextDouble() * 0.45;
                double style = rng.nextDouble();
                String requesterStyle = style < 0.75 ? "PractitionerRole" : style < 0.9 ? "Practitioner" : "Organization";
                YearMonth since = spec.firstMonth();
                add(organization(orgId, name, npi(), since));
                int providers = 1 + rng.nextInt(6);
                List<String> practitionerIds = new ArrayList<>();
                for (int p = 1; p <= providers; p++) {
                    String practitionerId = String.format(Locale.ROOT, "pr-%03d-%d", i, p);
                    practitionerIds.add(practitionerId);
                    add(practitioner(practitionerId, since));
                    add(role("role-" + practitionerId.substring(3), practitionerId, orgId, since));
                }
                practices.add(new SandboxWorld.Practice(orgId, name, npiOf(orgId), rate, conversion, requesterStyle,
                        List.copyOf(practitionerIds)));
            }
            return practices;
        }

        /**
         * Slowdowns, among practices sending at least 8 a month: two drops over the last two months,
         * a source gone dark, a large source halving in the last month, and one old drop that recovered.
         */
        private List<SandboxWorld.PlantedSlowdown> plant(List<SandboxWorld.Practice> practices) {
            List<SandboxWorld.Practice> candidates = new ArrayList<>(practices.stream()
                    .filter(p -> p.monthlyRate() >= 8).toList());
            YearMonth last = spec.lastCompleteMonth();
            double[][] plan = {{0.60, 1, 0}, {0.75, 1, 0}, {1.00, 1, 0}, {0.55, 0, 0}, {0.70, 2, 9}};
            List<SandboxWorld.PlantedSlowdown> planted = new ArrayList<>();
            for (double[] p : plan) {
                if (candidates.isEmpty()) {
                    break;
                }
                SandboxWorld.Practice practice = candidates.remove(rng.nextInt(candidates.size()));
                YearMonth end = last.minusMonths((long) p[2]);
                planted.add(new SandboxWorld.PlantedSlowdown(clinic.id(), practice.organizationId(), practice.npi(),
                        practice.name(), end.minusMonths((long) p[1]), end, p[0]));
            }
            return planted;
        }

        private void referrals(SandboxWorld.Practice practice, List<SandboxWorld.PlantedSlowdown> planted, String selfId) {
            Map<YearMonth, Integer> perMonth = new LinkedHashMap<>();
            counts.put(practice.organizationId(), perMonth);
            YearMonth current = YearMonth.from(spec.asOf());
            for (YearMonth m = spec.firstMonth(); !m.isAfter(current); m = m.plusMonths(1)) {
                double lambda = practice.monthlyRate() * season(m);
                for (SandboxWorld.PlantedSlowdown s : planted) {
                    if (s.organizationId().equals(practice.organizationId()) && s.covers(m)) {
                        lambda *= 1 - s.drop();
                    }
                }
                int n = poisson(lambda);
                int kept = 0;
                for (int k = 0; k < n; k++) {
                    LocalDate day = m.atDay(1 + rng.nextInt(m.lengthOfMonth()));
                    ZonedDateTime authored = day.atTime(LocalTime.of(8 + rng.nextInt(9), rng.nextInt(60)))
                            .atZone(clinic.zone());
                    if (!authored.toInstant().isBefore(asOf)) {
                        continue;
                    }
                    kept++;
                    referral(practice, authored, selfId);
                }
                perMonth.put(m, kept);
            }
        }

        /** Busier in autumn and winter, quieter in summer: about plus or minus 15%. */
        private double season(YearMonth m) {
            return 1 + 0.15 * Math.cos(2 * Math.PI * (m.getMonthValue() - 1) / 12.0);
        }

        private void referral(SandboxWorld.Practice practice, ZonedDateTime authored, String selfId) {
            String id = String.format(Locale.ROOT, "sr-%06d", ++referralSeq);
            String patientId = String.format(Locale.ROOT, "pt-%06d", ++patientSeq);
            String practitionerId = practice.practitionerIds().get(rng.nextInt(practice.practitionerIds().size()));
            boolean revoked = rng.nextDouble() < 0.04;
            boolean converts = !revoked && rng.nextDouble() < practice.conversionRate();
            ZonedDateTime visit = authored.plusDays(3 + rng.nextInt(40)).withHour(9 + rng.nextInt(8));
            boolean visited = converts && visit.toInstant().isBefore(asOf);
            Instant updated = min(visited ? visit.plusHours(2).toInstant() : authored.plusMinutes(5).toInstant());

            ServiceRequest sr = new ServiceRequest();
            sr.setId(id);
            meta(sr, updated);
            sr.setStatus(revoked ? ServiceRequest.ServiceRequestStatus.REVOKED
                    : visited ? ServiceRequest.ServiceRequestStatus.COMPLETED : ServiceRequest.ServiceRequestStatus.ACTIVE);
            if (revoked) {
                // why, as EMRs say it (R4 core extension request-statusReason); chosen without the random stream
                String[] reason = REVOKE_REASONS[referralSeq % REVOKE_REASONS.length];
                sr.addExtension(STATUS_REASON_URL, new CodeableConcept(new Coding(REVOKE_REASON_SYSTEM, reason[0],
                        reason[1])));
            }
            sr.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
            sr.addCategory(new CodeableConcept(new Coding(ReferralCodes.SNOMED, ReferralCodes.PATIENT_REFERRAL,
                    "Patient referral")));
            sr.setCode(new CodeableConcept(new Coding(ReferralCodes.SNOMED, clinic.specialtyCode(),
                    clinic.specialtyDisplay())));
            sr.setSubject(new Reference("Patient/" + patientId));
            sr.setAuthoredOnElement(dateTime(authored));
            sr.setRequester(new Reference(switch (practice.requesterStyle()) {
                case "Practitioner" -> "Practitioner/" + practitionerId;
                case "Organization" -> "Organization/" + practice.organizationId();
                default -> "PractitionerRole/role-" + practitionerId.substring(3);
            }));
            // Some EMRs name the receiving clinic only in words: a deviation the dashboard shows (rm-referral-2).
            sr.addPerformer(referralSeq % 40 == 0 ? new Reference().setDisplay(clinic.name())
                    : new Reference("Organization/" + selfId));
            add(sr, patientId, null);

            if (converts && visit.toInstant().isBefore(asOf.plusSeconds(45L * 24 * 3600))) {
                Encounter e = encounter(patientId, visit, selfId);
                e.addBasedOn(new Reference("ServiceRequest/" + id));
                boolean future = !visit.toInstant().isBefore(asOf);
                e.setStatus(future ? Encounter.EncounterStatus.PLANNED : Encounter.EncounterStatus.FINISHED);
                meta(e, future ? min(authored.plusDays(1).toInstant()) : updated);
                add(e, patientId, null);
            } else if (!converts && !revoked && rng.nextDouble() < 0.1) {
                Encounter e = encounter(patientId, visit, selfId);
                e.addBasedOn(new Reference("ServiceRequest/" + id));
                e.setStatus(Encounter.EncounterStatus.CANCELLED);
                meta(e, min(authored.plusDays(2).toInstant()));
                add(e, patientId, null);
            }
        }

        private Encounter encounter(String patientId, ZonedDateTime start, String selfId) {
            Encounter e = new Encounter();
            e.setId(String.format(Locale.ROOT, "enc-%06d", ++encounterSeq));
            e.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"));
            e.setSubject(new Reference("Patient/" + patientId));
            e.setPeriod(new Period().setStartElement(dateTime(start)));
            e.setServiceProvider(new Reference("Organization/" + selfId));
            return e;
        }

        /** Lab orders: ServiceRequests that are not referrals and must not be counted. */
        private void otherOrders() {
            int n = spec.months() * 3;
            for (int i = 0; i < n; i++) {
                ZonedDateTime authored = randomInstant();
                ServiceRequest sr = new ServiceRequest();
                sr.setId(String.format(Locale.ROOT, "lab-%05d", i + 1));
                meta(sr, min(authored.plusMinutes(1).toInstant()));
                sr.setStatus(ServiceRequest.ServiceRequestStatus.COMPLETED);
                sr.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
                sr.addCategory(new CodeableConcept(new Coding(ReferralCodes.SNOMED, "108252007", "Laboratory procedure")));
                sr.setCode(new CodeableConcept(new Coding("http://loinc.org", "24323-8", "Comprehensive metabolic panel")));
                String patientId = String.format(Locale.ROOT, "pt-%06d", ++patientSeq);
                sr.setSubject(new Reference("Patient/" + patientId));
                sr.setAuthoredOnElement(dateTime(authored));
                add(sr, patientId, null);
            }
        }

        /** Follow-up visits not based on any referral. */
        private void otherVisits(String selfId) {
            int n = spec.months() * 10;
            for (int i = 0; i < n; i++) {
                ZonedDateTime start = randomInstant();
                String patientId = String.format(Locale.ROOT, "pt-%06d", 1 + rng.nextInt(Math.max(1, patientSeq)));
                Encounter e = encounter(patientId, start, selfId);
                e.setStatus(Encounter.EncounterStatus.FINISHED);
                meta(e, min(start.plusHours(1).toInstant()));
                add(e, patientId, null);
            }
        }

        /** Two referrals with no authoredOn: a real EMR sends such things; they must land in review. */
        private void brokenResources() {
            for (int i = 1; i <= 2; i++) {
                ServiceRequest sr = new ServiceRequest();
                sr.setId(String.format(Locale.ROOT, "sr-broken-%d", i));
                meta(sr, min(randomInstant().toInstant()));
                sr.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
                sr.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
                sr.addCategory(new CodeableConcept(new Coding(ReferralCodes.SNOMED, ReferralCodes.PATIENT_REFERRAL,
                        "Patient referral")));
                sr.setSubject(new Reference("Patient/pt-broken-" + i));
                add(sr, "pt-broken-" + i, null);
                invalid++;
            }
        }

        private ZonedDateTime randomInstant() {
            long from = spec.firstMonth().atDay(1).atStartOfDay(clinic.zone()).toEpochSecond();
            long to = asOf.getEpochSecond() - 3600;
            return Instant.ofEpochSecond(from + (long) (rng.nextDouble() * (to - from))).atZone(clinic.zone());
        }

        private Organization organization(String id, String name, String npi, YearMonth since) {
            Organization o = new Organization();
            o.setId(id);
            meta(o, since.atDay(1).atStartOfDay(clinic.zone()).toInstant());
            o.setActive(true);
            o.setName(name);
            o.addIdentifier().setSystem(Npi.SYSTEM).setValue(npi);
            return o;
        }

        private Practitioner practitioner(String id, YearMonth since) {
            Practitioner p = new Practitioner();
            p.setId(id);
            meta(p, since.atDay(1).atStartOfDay(clinic.zone()).toInstant());
            p.setActive(true);
            p.addName(new HumanName().addPrefix("Dr.").addGiven(GIVEN[rng.nextInt(GIVEN.length)])
                    .setFamily(FAMILY[rng.nextInt(FAMILY.length)]));
            p.addIdentifier().setSystem(Npi.SYSTEM).setValue(npi());
            return p;
        }

        private PractitionerRole role(String id, String practitionerId, String organizationId, YearMonth since) {
            PractitionerRole r = new PractitionerRole();
            r.setId(id);
            meta(r, since.atDay(1).atStartOfDay(clinic.zone()).toInstant());
            r.setActive(true);
            r.setPractitioner(new Reference("Practitioner/" + practitionerId));
            r.setOrganization(new Reference("Organization/" + organizationId));
            return r;
        }

        private final Map<String, String> orgNpis = new LinkedHashMap<>();

        private String npiOf(String orgId) {
            return orgNpis.get(orgId);
        }

        private void add(Resource resource) {
            if (resource instanceof Organization o) {
                orgNpis.put(o.getIdElement().getIdPart(), o.getIdentifierFirstRep().getValue());
            }
            String practitionerId = resource instanceof PractitionerRole r
                    ? r.getPractitioner().getReferenceElement().getIdPart() : null;
            add(resource, null, practitionerId);
        }

        private void add(Resource resource, String patientId, String practitionerId) {
            resources.add(new SandboxWorld.Resource(resource.fhirType(), resource.getIdElement().getIdPart(),
                    resource.getMeta().getLastUpdated().toInstant(), patientId, practitionerId,
                    json.encodeResourceToString(resource)));
        }

        private void meta(Resource resource, Instant lastUpdated) {
            resource.getMeta().setVersionId("1").setLastUpdated(Date.from(lastUpdated));
        }

        private DateTimeType dateTime(ZonedDateTime at) {
            DateTimeType value = new DateTimeType(Date.from(at.toInstant()));
            value.setTimeZone(TimeZone.getTimeZone(at.getZone()));
            return value;
        }

        private Instant min(Instant instant) {
            return instant.isAfter(asOf) ? asOf.minusSeconds(60) : instant;
        }

        private String npi() {
            return Npi.withCheckDigit("1" + String.format(Locale.ROOT, "%08d", rng.nextInt(100_000_000)));
        }

        private int poisson(double lambda) {
            if (lambda <= 0) {
                return 0;
            }
            double limit = Math.exp(-lambda);
            double product = rng.nextDouble();
            int n = 0;
            while (product > limit) {
                product *= rng.nextDouble();
                n++;
            }
            return n;
        }
    }
}
