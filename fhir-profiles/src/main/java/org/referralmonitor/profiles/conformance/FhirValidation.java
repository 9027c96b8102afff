package org.referralmonitor.profiles.conformance;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationOptions;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r5.utils.validation.constants.BestPracticeWarningLevel;
import org.referralmonitor.profiles.ReferralCodes;

/**
 * The one entry point that validates resources against the monitor's profiles: HAPI's
 * {@link FhirInstanceValidator} on a support chain of our package (snapshots generated at start,
 * with their errors checked), the R4 core definitions, in-memory terminology and the common code
 * systems. Unknown code systems are information, unresolvable references are not looked up. The
 * chain lists only the core definitions the validator needs listed ({@link EnumeratedDefinitions}),
 * so it keeps R5 conversions of those alone.
 *
 * <p>The validator costs milliseconds per resource, far more than reading it. Its verdicts are
 * cached by {@link ValidationShape}: resources that differ only in ids, names, free text and
 * dates are validated once. Thread-safe; share one instance.
 */
public final class FhirValidation {

    private static final Map<FhirContext, FhirValidation> SHARED = new ConcurrentHashMap<>();

    private final FhirPackage fhirPackage;
    private final FhirValidator validator;
    private final PlainLanguage plain;
    private final Map<String, String> profiles;
    private final Cache<String, List<PlainLanguage.Raw>> verdicts;
    private final ObjectMapper json = new ObjectMapper();

    private FhirValidation(FhirContext fhir, FhirPackage fhirPackage, int cacheSize, boolean enumerateEveryDefinition) {
        this.fhirPackage = fhirPackage;
        DefaultProfileValidationSupport everyDefinition = new DefaultProfileValidationSupport(fhir);
        IValidationSupport core = enumerateEveryDefinition ? everyDefinition
                : new EnumeratedDefinitions(fhir, everyDefinition, fhirPackage.profileUrls().keySet());
        CommonCodeSystemsTerminologyService common = new CommonCodeSystemsTerminologyService(fhir);
        InMemoryTerminologyServerValidationSupport terminology = new InMemoryTerminologyServerValidationSupport(fhir);
        SnapshotGeneratingValidationSupport snapshotting = new SnapshotGeneratingValidationSupport(fhir);

        Snapshots snapshots = new Snapshots(fhir, new ValidationSupportChain(core, common, terminology, snapshotting));
        PrePopulatedValidationSupport ours = new PrePopulatedValidationSupport(fhir);
        fhirPackage.valueSets().forEach(ours::addValueSet);
        List<String> errors = new ArrayList<>();
        List<StructureDefinition> withSnapshots = new ArrayList<>();
        for (StructureDefinition profile : fhirPackage.profiles()) {
            Snapshots.Result result = snapshots.generate(profile);
            errors.addAll(result.errors());
            withSnapshots.add(result.profile());
            ours.addStructureDefinition(result.profile());
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException("The FHIR package " + fhirPackage.name() + " has profiles that do not fit "
                    + "their base: " + String.join("; ", errors));
        }
        ValidationSupportChain chain = new ValidationSupportChain(ours, core, common, terminology, snapshotting);
        FhirInstanceValidator instance = new FhirInstanceValidator(chain);
        instance.setAnyExtensionsAllowed(true);
        instance.setErrorForUnknownProfiles(true);
        instance.setBestPracticeWarningLevel(BestPracticeWarningLevel.Ignore);
        this.validator = fhir.newValidator();
        this.validator.registerValidatorModule(instance);
        this.plain = new PlainLanguage(withSnapshots);
        this.profiles = fhirPackage.profileUrls();
        this.verdicts = Caffeine.newBuilder().maximumSize(cacheSize).recordStats().build();
    }

    /** A validator for the given package, built once (it loads the R4 core definitions: seconds). */
    public static FhirValidation create(FhirContext fhir, FhirPackage fhirPackage, int cacheSize) {
        return new FhirValidation(fhir, fhirPackage, cacheSize, false);
    }

    /**
     * A validator whose chain enumerates every core definition, as HAPI's default does: what the
     * lean enumeration ({@link EnumeratedDefinitions}) must always agree with.
     */
    static FhirValidation enumeratingEveryDefinition(FhirContext fhir, FhirPackage fhirPackage) {
        return new FhirValidation(fhir, fhirPackage, 0, true);
    }

    /** The validator for the package on the classpath, shared by everything using the same FhirContext. */
    public static FhirValidation shared(FhirContext fhir, int cacheSize) {
        return SHARED.computeIfAbsent(fhir, f -> create(f, FhirPackage.fromClasspath(f), cacheSize));
    }

    public FhirPackage fhirPackage() {
        return fhirPackage;
    }

    /** Loads the core definitions and compiles each profile, so the first real validation is not slow. */
    public void warmUp() {
        for (String type : profiles.keySet()) {
            validate(json.createObjectNode().put("resourceType", type).put("id", "warm-up"));
        }
        verdicts.invalidateAll();
    }

    /** Validates one resource (JSON object) against the profile for its type. */
    public ValidationReport validate(ObjectNode resource) {
        String type = resource.path("resourceType").asText(null);
        String id = resource.path("id").asText(null);
        String profile = type == null ? null : profiles.get(type);
        if (profile == null) {
            String what = type == null ? "JSON object without resourceType" : type;
            return new ValidationReport(type, id, null, false, false, List.of(new Finding(Finding.Severity.INFORMATION,
                    (type == null ? "A " : type + " " + (id == null ? "" : id + " ")).strip() + ": "
                            + (type == null ? what + " is not a FHIR resource" : "the monitor does not use " + type
                            + " resources; it reads " + String.join(", ", profiles.keySet())),
                    type, "rm-unused-type", null)));
        }
        String key = ValidationShape.key(resource);
        List<PlainLanguage.Raw> raw = key != null
                ? verdicts.get(key, k -> run(ValidationShape.of(resource), profile))
                : run(withoutNarrative(resource), profile);
        return report(resource, type, id, profile, raw);
    }

    /** Validates without the shape cache: what the cache must always agree with. */
    ValidationReport validateExactly(ObjectNode resource) {
        String type = resource.path("resourceType").asText(null);
        String profile = profiles.get(type);
        return report(resource, type, resource.path("id").asText(null), profile,
                run(withoutNarrative(resource), profile));
    }

    private ValidationReport report(ObjectNode resource, String type, String id, String profile,
            List<PlainLanguage.Raw> raw) {
        List<Finding> findings = new ArrayList<>(raw.size() + 1);
        for (PlainLanguage.Raw r : raw) {
            findings.add(plain.explain(type, id, r));
        }
        boolean conforms = findings.stream().noneMatch(f -> f.severity() == Finding.Severity.ERROR);
        boolean countable = conforms;
        if (conforms && "ServiceRequest".equals(type) && !ReferralCodes.isReferral(resource)) {
            countable = false;
            findings.add(new Finding(Finding.Severity.INFORMATION, "ServiceRequest " + (id == null ? "(no id)" : id)
                    + " is not a referral: neither its category nor its code holds a referral code (or its intent is "
                    + "a proposal or plan), so it is not counted", "ServiceRequest", ReferralCodes.DEFAULT_RULE, null));
        }
        return new ValidationReport(type, id, profile, conforms, countable, List.copyOf(findings));
    }

    /**
     * Validates a document: one resource, a Bundle (each entry), or NDJSON (one resource a line).
     *
     * @throws InvalidJsonException when the text is not JSON, saying at which line and column
     */
    public List<ValidationReport> validateDocument(String text) {
        List<ValidationReport> reports = new ArrayList<>();
        try (JsonParser parser = json.getFactory().createParser(text);
                MappingIterator<JsonNode> values = json.readValues(parser, JsonNode.class)) {
            while (values.hasNextValue()) {
                JsonNode value = values.nextValue();
                if (!value.isObject()) {
                    JsonLocation at = parser.currentLocation();
                    throw new InvalidJsonException("expected a JSON object (a FHIR resource), found "
                            + value.getNodeType().name().toLowerCase(), at.getLineNr(), at.getColumnNr());
                }
                if ("Bundle".equals(value.path("resourceType").asText())) {
                    for (JsonNode entry : value.path("entry")) {
                        if (entry.path("resource").isObject()) {
                            reports.add(validate((ObjectNode) entry.get("resource")));
                        }
                    }
                } else {
                    reports.add(validate((ObjectNode) value));
                }
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new InvalidJsonException("not valid JSON: " + e.getOriginalMessage(),
                    at == null ? -1 : at.getLineNr(), at == null ? -1 : at.getColumnNr());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            if (e.getCause() instanceof JsonProcessingException p) {
                JsonLocation at = p.getLocation();
                throw new InvalidJsonException("not valid JSON: " + p.getOriginalMessage(),
                        at == null ? -1 : at.getLineNr(), at == null ? -1 : at.getColumnNr());
            }
            throw e;
        }
        return reports;
    }

    /** How often a verdict was reused: hits are validations saved. */
    public CacheStats cacheStats() {
        return verdicts.stats();
    }

    private List<PlainLanguage.Raw> run(ObjectNode resource, String profile) {
        List<PlainLanguage.Raw> raw = validator.validateWithResult(resource.toString(),
                        new ValidationOptions().addProfile(profile))
                .getMessages().stream()
                .filter(m -> m.getSeverity() != ResultSeverityEnum.INFORMATION)
                .map(m -> new PlainLanguage.Raw(m.getSeverity(), m.getLocationString(), m.getMessageId(), m.getMessage()))
                .toList();
        // A code outside a required value set comes twice: as "unknown code" and as "not in the value set".
        Set<String> notInValueSet = raw.stream()
                .filter(r -> r.messageId() != null && r.messageId().startsWith("Terminology_TX_NoValid"))
                .map(PlainLanguage.Raw::location).collect(Collectors.toSet());
        return raw.stream()
                .filter(r -> !("Terminology_PassThrough_TX_Message".equals(r.messageId())
                        && notInValueSet.contains(r.location()) && r.message().startsWith("Unknown code")))
                .toList();
    }

    private static ObjectNode withoutNarrative(ObjectNode resource) {
        ObjectNode copy = resource.deepCopy();
        if (copy.path("text").isObject()) {
            copy.remove("text");
        }
        return copy;
    }
}
