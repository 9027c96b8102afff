package org.referralmonitor.profiles.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * HAPI's instance validator (org.hl7.fhir.validation 6.7.9) re-reads a 1.5 MB OID registry CSV on
 * every validation, though it consults it only when a resource fetcher is set, which we never do.
 * fhir-profiles ships a header-only oidregistry.csv ahead of the library's: this keeps it so.
 */
class OidRegistryWorkaroundTest {

    @Test
    void ourHeaderOnlyRegistryIsTheOneFound() throws IOException {
        URL found = Thread.currentThread().getContextClassLoader().getResource("oidregistry.csv");

        assertThat(found).isNotNull();
        assertThat(found.toString()).doesNotContain("org.hl7.fhir.utilities");
        try (InputStream in = found.openStream()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip())
                    .isEqualTo("Comp_OID,Oid_Type,Symbolic_name,CodingSystemName");
        }
    }
}
