package org.referralmonitor.ingest.fhir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.hl7.fhir.r4.model.Reference;
import org.referralmonitor.ingest.IngestProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Replaces patient references with a keyed hash (HMAC-SHA256), so that referrals and visits of
 * the same patient can be matched without storing who the patient is. The key comes from the
 * environment ({@code RM_PSEUDONYM_KEY}); without it the hashes could be recomputed by anyone.
 */
@Component
public class PatientPseudonymizer {

    private static final Logger log = LoggerFactory.getLogger(PatientPseudonymizer.class);

    /** Only for the sandbox EMR's synthetic patients. Never used when the sandbox is off. */
    private static final String SANDBOX_ONLY_KEY = "referral-monitor-sandbox-synthetic-data-only-key";
    private static final int MIN_KEY_LENGTH = 32;

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    public PatientPseudonymizer(IngestProperties properties) {
        String configured = properties.pseudonymKey();
        if (configured == null || configured.isBlank()) {
            if (!properties.sandbox().enabled()) {
                throw new IllegalStateException("referral-monitor.ingest.pseudonym-key is not set. Set the environment "
                        + "variable RM_PSEUDONYM_KEY to a random secret of at least " + MIN_KEY_LENGTH
                        + " characters (for example: openssl rand -base64 48) and keep it: changing it breaks the "
                        + "matching of referrals to visits already stored.");
            }
            log.warn("No pseudonym key configured: using the built-in key, acceptable only for the sandbox EMR's "
                    + "synthetic patients");
            configured = SANDBOX_ONLY_KEY;
        } else if (configured.length() < MIN_KEY_LENGTH) {
            throw new IllegalStateException("referral-monitor.ingest.pseudonym-key (RM_PSEUDONYM_KEY) is "
                    + configured.length() + " characters long; use at least " + MIN_KEY_LENGTH);
        }
        this.key = new SecretKeySpec(configured.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
    }

    /** The hash of the patient a reference points at, or null when it names no patient we can tell apart. */
    public String hash(String endpointId, Reference subject, URI base) {
        Ref ref = References.parse(subject, base, List.of());
        String identity;
        if (ref.isLocal()) {
            identity = ref.type() + "/" + ref.id();
        } else if (subject != null && subject.hasIdentifier() && subject.getIdentifier().hasValue()) {
            identity = "identifier|" + subject.getIdentifier().getSystem() + "|" + subject.getIdentifier().getValue();
        } else if (subject != null && subject.hasReference() && ref.form() == Ref.Form.FOREIGN) {
            identity = "url|" + subject.getReference();
        } else {
            return null;
        }
        byte[] digest = macs.get().doFinal((endpointId + "|" + identity).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest);
    }

    /**
     * A keyed hash of content that arrived without a type or id to tell it by (a line that is not
     * JSON, an entry without a resource): the same content from the same endpoint has the same
     * fingerprint, and nothing of it can be read back.
     */
    public String fingerprint(String endpointId, String content) {
        byte[] digest = macs.get().doFinal(("content|" + endpointId + "|" + content).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
