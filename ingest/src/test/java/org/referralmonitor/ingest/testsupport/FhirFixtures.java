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

    public static String emptyBundle() {
        return "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":0,\"entry\":[]}";
    }
}
