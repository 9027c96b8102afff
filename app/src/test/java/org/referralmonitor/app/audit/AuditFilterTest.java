package org.referralmonitor.app.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditFilterTest {

    @Test
    void parametersAreKeptInNameOrderWithoutSecrets() {
        Map<String, String[]> parameters = new LinkedHashMap<>();
        parameters.put("month", new String[] {"2026-10"});
        parameters.put("_csrf", new String[] {"a-token"});
        parameters.put("clientSecretRef", new String[] {"env:RM_SECRET_X"});
        parameters.put("password", new String[] {"hunter2hunter2"});
        parameters.put("bearerToken", new String[] {"abc"});
        parameters.put("org", new String[] {"npi:1245319599", "a b&c"});

        assertThat(AuditFilter.parameters(parameters)).isEqualTo("bearerToken=(hidden)"
                + "&clientSecretRef=(hidden)&month=2026-10&org=npi%3A1245319599&org=a+b%26c&password=(hidden)");
        assertThat(AuditFilter.parameters(Map.of())).isNull();
        assertThat(AuditFilter.parameters(Map.of("_csrf", new String[] {"a-token"}))).isNull();
    }
}
