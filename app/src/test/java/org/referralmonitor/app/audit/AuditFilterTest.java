package org.referralmonitor.app.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditFilterTest {

    @Test
    void parametersAreKeptInNameOrderWithoutPasswords() {
        Map<String, String[]> parameters = new LinkedHashMap<>();
        parameters.put("month", new String[] {"2026-10"});
        parameters.put("_csrf", new String[] {"a-token"});
        parameters.put("clientSecretRef", new String[] {"env:RM_SECRET_X"});
        parameters.put("password", new String[] {"hunter2hunter2"});
        parameters.put("tokenUrl", new String[] {"https://auth.example.org/token"});
        parameters.put("org", new String[] {"npi:1245319599", "a b&c"});

        parameters.put("newPassword", new String[] {"hunter2hunter2"});

        assertThat(AuditFilter.parameters(parameters)).as("the names of secrets and where they went are kept")
                .isEqualTo("clientSecretRef=env%3ARM_SECRET_X&month=2026-10&newPassword=(hidden)"
                        + "&org=npi%3A1245319599&org=a+b%26c&password=(hidden)"
                        + "&tokenUrl=https%3A%2F%2Fauth.example.org%2Ftoken");
        assertThat(AuditFilter.parameters(Map.of())).isNull();
        assertThat(AuditFilter.parameters(Map.of("_csrf", new String[] {"a-token"}))).isNull();
        assertThat(AuditFilter.withLocation(null, "/api/v1/endpoints/e1")).isEqualTo("location=%2Fapi%2Fv1%2Fendpoints%2Fe1");
        assertThat(AuditFilter.withLocation("check=true", "/api/v1/endpoints/e1"))
                .isEqualTo("check=true&location=%2Fapi%2Fv1%2Fendpoints%2Fe1");
        assertThat(AuditFilter.withLocation("month=2026-10", null)).isEqualTo("month=2026-10");
    }

    @Test
    void aNameAsTypedLosesItsControlCharacters() {
        assertThat(AuditLog.printable("jordan\u0000.lee\n")).isEqualTo("jordan?.lee?");
        assertThat(AuditLog.printable(" ")).isEqualTo("(none)");
        assertThat(AuditLog.printable(null)).isEqualTo("(none)");
    }
}
