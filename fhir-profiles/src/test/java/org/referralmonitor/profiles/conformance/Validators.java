package org.referralmonitor.profiles.conformance;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shared validator for tests (built once per JVM: it loads the R4 core definitions). */
final class Validators {

    static final Path FIXTURES = Path.of("src/test/resources/fhir/conformance");
    static final ObjectMapper JSON = new ObjectMapper();

    private Validators() {
    }

    static FhirValidation shared() {
        return FhirValidation.shared(FhirContext.forR4Cached(), 10_000);
    }

    static ObjectNode fixture(String name) {
        try {
            return (ObjectNode) JSON.readTree(Files.readString(FIXTURES.resolve(name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
