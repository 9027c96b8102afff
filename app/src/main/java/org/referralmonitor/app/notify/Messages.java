package org.referralmonitor.app.notify;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.text.NumberFormat;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.metrics.alert.Alert;
import org.referralmonitor.metrics.alert.AlertLabel;
import org.referralmonitor.metrics.outreach.OutreachDue;
import org.referralmonitor.metrics.report.SourceSummary;

/**
 * The words of notifications, built from the alerts' own numbers and explanations. They name
 * practices and counts, never patients (alerts hold none).
 */
final class Messages {

    /** Due practices listed in one digest; the rest are counted. */
    static final int DIGEST_MAX = 25;

    /** Practices listed in a monthly summary's largest shortfalls. */
    static final int SHORTFALLS_MAX = 5;

    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("MMMM yyyy", Locale.US);

    private Messages() {
    }

    /** New alerts of one clinic, as one message. */
    static Message alerts(Clinic clinic, List<Alert> alerts, String publicUrl) {
        String subject = "[referral-monitor] " + clinic.name() + ": " + count(alerts.size(), "new alert");
        StringBuilder text = new StringBuilder(count(alerts.size(), "new alert")).append(" for ").append(clinic.name())
                .append(":\n");
        List<Map<String, Object>> items = new ArrayList<>();
        for (Alert a : alerts) {
            AlertLabel label = AlertLabel.of(a.kind());
            String who = !"FEED".equals(a.kind()) ? name(a.sourceName(), a.orgKey())
                    : a.endpointName() != null ? "the EMR feed of " + a.endpointName() : "the EMR feed";
            String link = link(publicUrl, alertPath(clinic, a));
            text.append("\n- ").append(label.label()).append(", ").append(MONTH.format(a.month())).append(": ")
                    .append(who).append('\n').append("  ").append(a.explanation()).append('\n');
            if (a.revenueAtRisk() != null && a.revenueAtRisk() > 0) {
                text.append("  Revenue at risk: ").append(money(a.revenueAtRisk())).append('\n');
            }
            if (link != null) {
                text.append("  ").append(link).append('\n');
            }
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", a.id());
            item.put("kind", a.kind());
            item.put("label", label.label());
            item.put("orgKey", a.orgKey());
            item.put("practice", a.sourceName());
            item.put("npi", a.sourceNpi());
            item.put("endpoint", a.endpointName());
            item.put("month", a.month().toString());
            item.put("months", a.months());
            item.put("observed", a.observed());
            item.put("expected", a.expected());
            item.put("explanation", a.explanation());
            item.put("revenueAtRisk", a.revenueAtRisk());
            item.put("link", link);
            items.add(item);
        }
        text.append("\nLog outreach or acknowledge them on the dashboard")
                .append(publicUrl.isBlank() ? "." : ": " + link(publicUrl, "/clinics/" + clinic.id()));
        return new Message(subject, text.toString(), payload(clinic, "alerts", text, "alerts", items));
    }

    /** The practices of one clinic due for outreach, as one message. */
    static Message digest(Clinic clinic, List<OutreachDue> due, String publicUrl) {
        String subject = "[referral-monitor] " + clinic.name() + ": " + count(due.size(), "practice")
                + " due for outreach";
        StringBuilder text = new StringBuilder(count(due.size(), "practice")).append(" due for outreach at ")
                .append(clinic.name()).append(", most overdue first:\n");
        List<Map<String, Object>> items = new ArrayList<>();
        for (OutreachDue d : due.subList(0, Math.min(due.size(), DIGEST_MAX))) {
            String link = link(publicUrl, sourcePath(clinic, d.orgKey(), d.month(), d.alertId()));
            text.append("\n- ").append(name(d.sourceName(), d.orgKey())).append(": ").append(reason(d))
                    .append(d.daysOverdue() == 0 ? ", due today" : ", " + count((int) d.daysOverdue(), "day") + " overdue")
                    .append('\n');
            if (link != null) {
                text.append("  ").append(link).append('\n');
            }
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("orgKey", d.orgKey());
            item.put("practice", d.sourceName());
            item.put("reason", reason(d));
            item.put("dueOn", d.dueOn().toString());
            item.put("daysOverdue", d.daysOverdue());
            item.put("alertId", d.alertId());
            item.put("link", link);
            items.add(item);
        }
        if (due.size() > DIGEST_MAX) {
            text.append("\n... and ").append(due.size() - DIGEST_MAX).append(" more on the dashboard.\n");
        }
        text.append("\nThe full list is on the clinic's page")
                .append(publicUrl.isBlank() ? "." : ": " + link(publicUrl, "/clinics/" + clinic.id() + "#outreach-due"));
        return new Message(subject, text.toString(), payload(clinic, "outreach-due", text, "due", items));
    }

    /**
     * A final month's figures of one clinic, as one message: referrals against expected, conversion,
     * practices slowing down and new, revenue at risk, the largest shortfalls, the month's open alerts.
     */
    static Message summary(Clinic clinic, YearMonth month, List<SourceSummary> sources, int openAlerts,
            String publicUrl) {
        int referrals = 0;
        int converted = 0;
        double expected = 0;
        double fixed = 0;
        boolean anyFixed = false;
        double atRisk = 0;
        int waiting = 0;
        int unattributed = 0;
        for (SourceSummary s : sources) {
            referrals += s.referrals();
            converted += s.converted();
            waiting += s.notConverted() == null ? 0 : s.notConverted().waiting();
            if (SourceSummary.UNATTRIBUTED.equals(s.orgKey())) {
                unattributed += s.referrals();
            }
            expected += s.baseline() == null ? s.referrals() : s.baseline();
            // a source without a baseline counts as expected, as on the clinic page
            fixed += s.fixedBaseline() == null ? s.referrals() : s.fixedBaseline();
            anyFixed |= s.fixedBaseline() != null;
            if (s.revenueAtRisk() != null) {
                atRisk += s.revenueAtRisk();
            }
        }
        List<SourceSummary> practiceRows = sources.stream()
                .filter(s -> !SourceSummary.UNATTRIBUTED.equals(s.orgKey())).toList();
        long practices = practiceRows.stream().filter(s -> s.referrals() > 0).count();
        long slowing = practiceRows.stream().filter(s -> "SLOWDOWN".equals(s.status())).count();
        long fresh = practiceRows.stream().filter(s -> "NEW".equals(s.status())).count();
        List<SourceSummary> shortfalls = practiceRows.stream()
                .filter(s -> s.baseline() != null && s.baseline() - s.referrals() >= 1)
                .sorted(java.util.Comparator.comparingDouble((SourceSummary s) -> s.referrals() - s.baseline()))
                .limit(SHORTFALLS_MAX).toList();
        String monthName = MONTH.format(month);
        String subject = "[referral-monitor] " + clinic.name() + ": " + monthName + " in figures";
        StringBuilder text = new StringBuilder(monthName).append(" at ").append(clinic.name())
                .append(" (final figures):\n\n- ").append(count(referrals, "referral")).append(" from ")
                .append(count((int) practices, "practice"))
                .append(unattributed == 0 ? "" : " (and " + unattributed + " credited to no practice)")
                .append(", about ").append(Math.round(expected))
                .append(" expected (").append(change(referrals, expected)).append(')');
        if (anyFixed) {
            text.append("; about ").append(Math.round(fixed)).append(" against the fixed baseline (")
                    .append(change(referrals, fixed)).append(')');
        }
        text.append("\n- ").append(referrals == 0 ? "no referral to convert"
                : Math.round(100.0 * converted / referrals) + "% converted to a visit (" + converted + " of "
                        + referrals + (waiting == 0 ? "" : "; " + waiting + " still within the conversion window")
                        + ")");
        text.append("\n- ").append(count((int) slowing, "practice")).append(" slowing down");
        if (atRisk > 0) {
            text.append("\n- revenue at risk about ").append(money(atRisk)).append(" across the flagged practices");
        }
        text.append("\n- ").append(count((int) fresh, "new practice")).append(" (too little history to compare)")
                .append("\n- ").append(count(openAlerts, "open alert")).append(" for the month\n");
        List<Map<String, Object>> items = new ArrayList<>();
        if (!shortfalls.isEmpty()) {
            text.append("\nLargest shortfalls against expected:\n");
        }
        for (SourceSummary s : shortfalls) {
            String link = link(publicUrl, sourcePath(clinic, s.orgKey(), month, null));
            text.append("- ").append(s.displayName()).append(": ").append(s.referrals()).append(" vs about ")
                    .append(Math.round(s.baseline())).append(" expected (").append(change(s.referrals(), s.baseline()))
                    .append(")").append("SLOWDOWN".equals(s.status()) ? ", slowing down" : "").append('\n');
            if (link != null) {
                text.append("  ").append(link).append('\n');
            }
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("orgKey", s.orgKey());
            item.put("practice", s.displayName());
            item.put("npi", s.npi());
            item.put("referrals", s.referrals());
            item.put("expected", s.baseline());
            item.put("status", s.status());
            item.put("link", link);
            items.add(item);
        }
        text.append("\nEvery practice's figures are on the clinic's page")
                .append(publicUrl.isBlank() ? "." : ": " + link(publicUrl, "/clinics/" + clinic.id() + "?month=" + month));
        Map<String, Object> payload = payload(clinic, "monthly-summary", text, "shortfalls", items);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("referrals", referrals);
        figures.put("expected", Math.round(expected * 10) / 10.0);
        figures.put("fixedBaselineExpected", anyFixed ? Math.round(fixed * 10) / 10.0 : null);
        figures.put("converted", converted);
        figures.put("waiting", waiting);
        figures.put("unattributed", unattributed);
        figures.put("practices", practices);
        figures.put("slowingDown", slowing);
        figures.put("newPractices", fresh);
        figures.put("revenueAtRisk", atRisk > 0 ? Math.round(atRisk * 100) / 100.0 : null);
        figures.put("openAlerts", openAlerts);
        payload.put("month", month.toString());
        payload.put("figures", figures);
        return new Message(subject, text.toString(), payload);
    }

    /** "-12%", "+5%" or "as expected" for observed against expected. */
    private static String change(int observed, double expected) {
        if (expected <= 0) {
            return observed == 0 ? "as expected" : "none expected";
        }
        long percent = Math.round(100 * (observed - expected) / expected);
        return percent == 0 ? "as expected" : (percent > 0 ? "+" : "") + percent + "%";
    }

    /** What "Send test" sends. */
    static Message test(Clinic clinic, NotificationChannel channel) {
        String text = "This is a test from referral-monitor. Channel '" + channel.id() + "' of " + clinic.name()
                + " will receive: " + String.join(", ", channel.sends()) + ".";
        return new Message("[referral-monitor] " + clinic.name() + ": test message", text,
                payload(clinic, "test", text, "sends", channel.sends()));
    }

    private static String reason(OutreachDue d) {
        if (d.alertKind() != null) {
            return AlertLabel.of(d.alertKind()).label().toLowerCase(Locale.ROOT) + " alert for "
                    + MONTH.format(d.alertMonth()) + " not yet answered";
        }
        return d.lastContact() == null ? "cadence of " + d.everyDays() + " days, never contacted"
                : "cadence of " + d.everyDays() + " days, last contact " + d.lastContact();
    }

    private static Map<String, Object> payload(Clinic clinic, String kind, CharSequence text, String itemsKey,
            Object items) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("text", text.toString());
        payload.put("kind", kind);
        payload.put("clinic", Map.of("id", clinic.id(), "name", clinic.name()));
        payload.put(itemsKey, items);
        return payload;
    }

    private static String alertPath(Clinic clinic, Alert a) {
        return "FEED".equals(a.kind()) ? "/clinics/" + clinic.id() + "?month=" + a.month()
                : sourcePath(clinic, a.orgKey(), a.month(), a.id());
    }

    private static String sourcePath(Clinic clinic, String orgKey, YearMonth month, Long alertId) {
        return "/clinics/" + clinic.id() + "/source?org=" + URLEncoder.encode(orgKey, StandardCharsets.UTF_8)
                + (month == null ? "" : "&month=" + month) + (alertId == null ? "" : "&alert=" + alertId);
    }

    private static String link(String publicUrl, String path) {
        if (publicUrl == null || publicUrl.isBlank()) {
            return null;
        }
        return publicUrl.replaceAll("/+$", "") + path;
    }

    private static String name(String name, String orgKey) {
        return name == null || name.isBlank() ? orgKey : name;
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    private static String money(double amount) {
        NumberFormat format = NumberFormat.getCurrencyInstance(Locale.US);
        format.setMaximumFractionDigits(0);
        return format.format(amount);
    }
}
