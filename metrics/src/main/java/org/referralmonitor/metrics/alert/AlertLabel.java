package org.referralmonitor.metrics.alert;

import java.util.Locale;
import java.util.Map;

/**
 * An alert kind as people read it, on the dashboard and in notifications: its code (SLOWDOWN ...), a
 * label and what it means.
 */
public record AlertLabel(String code, String label, String meaning) {

    private static final Map<String, AlertLabel> KNOWN = Map.of(
            "SLOWDOWN", new AlertLabel("SLOWDOWN", "Slowdown",
                    "Significantly fewer referrals than expected this month"),
            "GONE_DARK", new AlertLabel("GONE_DARK", "Gone dark",
                    "No referral for weeks from a source that usually sends several a month"),
            "SUSTAINED_DECLINE", new AlertLabel("SUSTAINED_DECLINE", "Sustained decline",
                    "Below expected several months running, significantly so together"),
            "CONVERSION_COLLAPSE", new AlertLabel("CONVERSION_COLLAPSE", "Conversion collapse",
                    "Far fewer of this month's referrals were seen than the source's usual rate"),
            "RECIPROCITY_FLIP", new AlertLabel("RECIPROCITY_FLIP", "Reciprocity flip",
                    "We now send this practice clearly more referrals than it sends us"),
            "FEED", new AlertLabel("FEED", "Feed suspect",
                    "The EMR feed looks broken: source alerts are held until it is whole again"));

    /** The label of a kind; an unknown code reads as words ("NEW_KIND" as "New kind"). */
    public static AlertLabel of(String code) {
        AlertLabel known = KNOWN.get(code);
        if (known != null) {
            return known;
        }
        String words = code.replace('_', ' ').toLowerCase(Locale.ROOT);
        return new AlertLabel(code, words.isEmpty() ? code : Character.toUpperCase(words.charAt(0)) + words.substring(1),
                "");
    }
}
