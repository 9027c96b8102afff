package org.referralmonitor.ingest.endpoint;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which secrets an endpoint or channel entered through the API or the dashboard may name. */
class SecretRefsTest {

    static final List<String> PREFIXES = List.of("RM_SECRET_", "CLINIC_HOOK_");
    static final List<String> DIRS = List.of("/run/secrets/referral-monitor/", "/etc/rm-hooks");

    @Test
    void variablesWithAnAllowedPrefixAndFilesUnderAnAllowedDirectoryMayBeNamed() {
        for (String ref : List.of("env:RM_SECRET_LAKESIDE", "env:CLINIC_HOOK_CHAT", "file:/run/secrets/referral-monitor/token",
                "file:/run/secrets/referral-monitor/lakeside/key.pem", "file:/etc/rm-hooks/chat",
                "file:/etc/rm-hooks/../rm-hooks/chat")) {
            assertThatCode(() -> SecretRefs.checkAllowed(ref, "auth.tokenRef", PREFIXES, DIRS)).as(ref)
                    .doesNotThrowAnyException();
        }
        assertThatCode(() -> SecretRefs.checkAllowed(null, "auth.tokenRef", PREFIXES, DIRS)).doesNotThrowAnyException();
    }

    @Test
    void anythingElseIsRefusedSayingWhatIsAllowed() {
        for (String ref : List.of("env:RM_PSEUDONYM_KEY", "env:SPRING_DATASOURCE_PASSWORD", "env:rm_secret_lower",
                "file:/run/secrets/referral-monitor/../postgres-password", "file:/run/secrets/referral-monitor",
                "file:/etc/rm-hooks-other/chat", "file:/etc/passwd")) {
            assertThatThrownBy(() -> SecretRefs.checkAllowed(ref, "auth.tokenRef", PREFIXES, DIRS)).as(ref)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("auth.tokenRef names " + ref + ", which is not among the secrets the API and the "
                            + "dashboard may name: environment variables starting with RM_SECRET_ or CLINIC_HOOK_, files "
                            + "under /run/secrets/referral-monitor/ or /etc/rm-hooks (referral-monitor.ingest."
                            + "entered-secrets; or define it in the configuration files)");
        }
        assertThatThrownBy(() -> SecretRefs.checkAllowed("s3cr3t", "auth.tokenRef", PREFIXES, DIRS))
                .as("not a reference at all").hasMessageStartingWith("auth.tokenRef must name where the secret is")
                .hasMessageNotContaining("s3cr3t");
    }

    @Test
    void theMonitorsOwnSecretsAreRefusedWhateverThePrefixes() {
        for (String own : List.of("RM_PSEUDONYM_KEY", "RM_ADMIN_PASSWORD", "SPRING_DATASOURCE_PASSWORD")) {
            assertThatThrownBy(() -> SecretRefs.checkAllowed("env:" + own, "auth.tokenRef", List.of("RM_", "SPRING_"),
                    DIRS)).as(own).hasMessageStartingWith("auth.tokenRef names env:" + own + ", which is not among");
        }
        assertThatCode(() -> SecretRefs.checkAllowed("env:RM_LAKESIDE", "auth.tokenRef", List.of("RM_"), DIRS))
                .doesNotThrowAnyException();
    }

    @Test
    void aSymbolicLinkOutOfAnAllowedDirectoryIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        java.nio.file.Path allowed = java.nio.file.Files.createDirectory(tmp.resolve("allowed"));
        java.nio.file.Path outside = java.nio.file.Files.writeString(tmp.resolve("db-password"), "x");
        java.nio.file.Files.writeString(allowed.resolve("hook"), "https://hooks.example.org/x");
        java.nio.file.Files.createSymbolicLink(allowed.resolve("link"), outside);
        List<String> dirs = List.of(allowed + "/");
        assertThatCode(() -> SecretRefs.checkAllowed("file:" + allowed.resolve("hook"), "url-ref", List.of(), dirs))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> SecretRefs.checkAllowed("file:" + allowed.resolve("link"), "url-ref", List.of(), dirs))
                .hasMessageStartingWith("url-ref names file:" + allowed.resolve("link") + ", which is not among");
    }

    @Test
    void relativeDirectoriesAndEmptyListsAllowNothing() {
        assertThatThrownBy(() -> SecretRefs.checkAllowed("file:/srv/secrets/x", "url-ref", List.of(), List.of("secrets")))
                .hasMessage("url-ref names file:/srv/secrets/x, which is not among the secrets the API and the "
                        + "dashboard may name: files under secrets (referral-monitor.ingest.entered-secrets; or "
                        + "define it in the configuration files)");
        assertThatThrownBy(() -> SecretRefs.checkAllowed("env:RM_SECRET_X", "url-ref", List.of(), List.of()))
                .hasMessageContaining("may name: none (");
    }
}
