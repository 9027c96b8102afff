package org.referralmonitor.profiles;

import java.util.Set;

/** Code systems and codes that decide what a referral is. */
public final class ReferralCodes {

    public static final String SNOMED = "http://snomed.info/sct";

    /** SNOMED CT 3457005 "Patient referral". */
    public static final String PATIENT_REFERRAL = "3457005";

    /**
     * SNOMED CT referral procedures accepted by the default rule: 3457005 and common children
     * (103696004 referral to specialist, 306206005 referral to service, 183444007 referral for
     * further care, 308447003 referral to physiotherapist, 183524004 referral to psychiatry service).
     */
    public static final Set<String> SNOMED_REFERRAL_CODES =
            Set.of(PATIENT_REFERRAL, "103696004", "306206005", "183444007", "308447003", "183524004");

    private ReferralCodes() {
    }
}
