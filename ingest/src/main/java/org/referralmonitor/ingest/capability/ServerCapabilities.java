package org.referralmonitor.ingest.capability;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an EMR's FHIR server declares, as far as the monitor cares: from its CapabilityStatement
 * ({@code /metadata}) and SMART configuration ({@code /.well-known/smart-configuration}).
 *
 * @param types per resource type, how it can be read and searched
 * @param systemExport {@code [base]/$export} declared
 * @param groupExport {@code Group/[id]/$export} declared
 * @param smartFound whether a SMART configuration was served
 */
public record ServerCapabilities(
        String fhirVersion,
        String software,
        Map<String, TypeSupport> types,
        boolean systemExport,
        boolean groupExport,
        boolean patientExport,
        boolean smartFound,
        String tokenEndpoint,
        List<String> tokenAuthMethods,
        List<String> signingAlgorithms,
        List<String> scopesSupported,
        List<String> smartCapabilities,
        OffsetDateTime checkedAt) {

    /**
     * @param searchParams search parameters declared (including _id, _lastUpdated when declared)
     * @param patientRequired every declared parameter combination includes patient or subject: no
     *     population-wide search
     */
    public record TypeSupport(boolean read, boolean search, Set<String> searchParams, boolean patientRequired) {

        public boolean populationSearch() {
            return search && !patientRequired;
        }

        public boolean patientSearch() {
            return search && (searchParams.contains("patient") || searchParams.contains("subject"));
        }

        public boolean lastUpdated() {
            return searchParams.contains("_lastUpdated");
        }

        /** The parameter naming the patient in a search: patient, or subject where only that is declared. */
        public String patientParameter() {
            return !searchParams.contains("patient") && searchParams.contains("subject") ? "subject" : "patient";
        }
    }

    public TypeSupport type(String type) {
        return types.getOrDefault(type, new TypeSupport(false, false, Set.of(), false));
    }

    /**
     * SMART scopes v2 ({@code .rs}) or v1 ({@code .read}): v2 when the server lists v2-style system
     * scopes, v1 when it lists only v1-style ones; otherwise (it lists no system scope: its list need
     * not be complete) v2 if it declares {@code permission-v2}.
     */
    public boolean scopesV2() {
        if (scopesSupported.stream().anyMatch(s -> s.matches("system/[^.\\s]+\\.c?r?u?d?s"))) {
            return true;
        }
        if (scopesSupported.stream().anyMatch(s -> s.matches("system/[^.\\s]+\\.(read|write|\\*)"))) {
            return false;
        }
        return smartCapabilities.contains("permission-v2");
    }
}
