package org.referralmonitor.app.notify;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a clinic's alerts, its list of practices due for outreach and its monthly summary are sent.
 *
 * @param kind EMAIL or WEBHOOK
 * @param to e-mail addresses (EMAIL), empty otherwise
 * @param urlRef where the webhook's URL is read from (WEBHOOK): env:VARIABLE or file:/path, never the URL
 * @param sourceAlerts send alerts about referring practices (slowdown, gone dark ...)
 * @param feedAlerts send alerts that the clinic's EMR feed looks broken
 * @param outreachDigest send the practices due for outreach at the digest schedule
 * @param monthlySummary send each month's figures once they are final
 * @param origin CONFIG (config/application.yml, changed only there) or API (the API or the dashboard)
 * @param createdAt alerts opened before are not sent to the channel
 */
public record NotificationChannel(String id, String clinicId, String kind, List<String> to, String urlRef,
        boolean sourceAlerts, boolean feedAlerts, boolean outreachDigest, boolean monthlySummary, boolean enabled, String origin,
        OffsetDateTime createdAt) {

    public static final String EMAIL = "EMAIL";
    public static final String WEBHOOK = "WEBHOOK";

    /** What the channel is sent, in words: source alerts, feed alerts, outreach due, monthly summary. */
    public List<String> sends() {
        List<String> sends = new ArrayList<>();
        if (sourceAlerts) {
            sends.add("source alerts");
        }
        if (feedAlerts) {
            sends.add("feed alerts");
        }
        if (outreachDigest) {
            sends.add("outreach due");
        }
        if (monthlySummary) {
            sends.add("monthly summary");
        }
        return sends;
    }

    /** Where messages go, as it may be shown: the addresses, or where the webhook's URL is read from. */
    public String target() {
        return EMAIL.equals(kind) ? String.join(", ", to) : urlRef;
    }
}
