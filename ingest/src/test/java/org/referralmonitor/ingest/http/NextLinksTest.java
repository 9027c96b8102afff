package org.referralmonitor.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class NextLinksTest {

    private static final URI BASE = URI.create("https://emr.example.org/fhir/");

    @Test
    void keepsAWellFormedLinkExactly() throws Exception {
        String link = "https://emr.example.org/fhir?_getpages=7f3a&_getpagesoffset=100&_count=100&_bundletype=searchset";
        assertThat(NextLinks.toUri(link, BASE).toString()).isEqualTo(link);
    }

    @Test
    void encodesOnlyWhatIsIllegal() throws Exception {
        String link = "https://emr.example.org/fhir/ServiceRequest?_lastUpdated=ge2026-01-01T00:00:00+00:00&category=http://snomed.info/sct|3457005&x=a b";
        assertThat(NextLinks.toUri(link, BASE).toString()).isEqualTo(
                "https://emr.example.org/fhir/ServiceRequest?_lastUpdated=ge2026-01-01T00:00:00+00:00"
                        + "&category=http://snomed.info/sct%7C3457005&x=a%20b");
    }

    @Test
    void resolvesARelativeLinkAgainstTheBase() throws Exception {
        assertThat(NextLinks.toUri("ServiceRequest?page=2", BASE).toString())
                .isEqualTo("https://emr.example.org/fhir/ServiceRequest?page=2");
    }

    @Test
    void refusesAnotherHostPortOrScheme() {
        for (String link : new String[] {"https://evil.example.org/fhir?page=2", "https://emr.example.org:8443/fhir?p=2",
            "http://emr.example.org/fhir?page=2"}) {
            assertThatThrownBy(() -> NextLinks.toUri(link, BASE)).isInstanceOf(RefusedUrlException.class)
                    .hasMessageContaining("refusing to follow it");
        }
    }

    @Test
    void defaultPortsCountAsTheSameOrigin() throws Exception {
        assertThat(NextLinks.toUri("https://EMR.example.org:443/fhir?p=2", BASE).getHost()).isEqualTo("EMR.example.org");
    }
}
