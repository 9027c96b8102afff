package org.referralmonitor.ingest.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** FHIR fixture files under {@code src/test/resources/fhir/}, with {@code ${base}} replaced by the EMR's base URL. */
public final class FhirFixtures {

    private FhirFixtures() {
    }

    public static String read(String path) {
        try (InputStream in = FhirFixtures.class.getResourceAsStream("/fhir/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("No fixture src/test/resources/fhir/" + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String read(String path, String base) {
        return read(path).replace("${base}", base);
    }

    /**
     * A CapabilityStatement of a server that allows system-level search with {@code _lastUpdated},
     * Patient and Group reads, and {@code $export}: what a sync reads first.
     */
    public static String searchServer() {
        return read("capability/search-server.json");
    }

    /** A CapabilityStatement of a server that only allows patient-anchored ServiceRequest and Encounter search. */
    public static String patientOnlyServer() {
        return read("capability/patient-only-server.json");
    }

    public static String emptyBundle() {
        return "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":0,\"entry\":[]}";
    }
}
