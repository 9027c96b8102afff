package org.referralmonitor.app.web;

import java.util.List;
import java.util.Map;
import org.referralmonitor.metrics.outreach.OutreachLog;

/** Words for people for the stored outreach codes, and the options the forms offer. */
final class OutreachLabels {

    /** A form option: the code posted and its label. */
    record Option(String value, String label) {
    }

    private static final Map<String, String> LABELS = Map.ofEntries(
            Map.entry("CALL", "Call"), Map.entry("VISIT", "Visit"), Map.entry("EMAIL", "Email"),
            Map.entry("LETTER", "Letter"), Map.entry("EVENT", "Event"),
            Map.entry("VOLUME", "Referral volume"), Map.entry("QUALITY", "Referral quality"),
            Map.entry("SCHEDULING", "Scheduling and access"), Map.entry("FEEDBACK", "Feedback on referred patients"),
            Map.entry("RELATIONSHIP", "Relationship"),
            Map.entry("REACHED", "Reached"), Map.entry("MESSAGE_LEFT", "Message left"),
            Map.entry("NOT_REACHED", "Not reached"), Map.entry("MEETING_BOOKED", "Meeting booked"));

    static final OutreachLabels INSTANCE = new OutreachLabels();

    private OutreachLabels() {
    }

    /** The label of a code; the code itself when unknown. */
    public String of(String code) {
        return code == null ? Format.NONE : LABELS.getOrDefault(code, code);
    }

    public List<Option> channels() {
        return options(OutreachLog.CHANNELS);
    }

    public List<Option> topics() {
        return options(OutreachLog.TOPICS);
    }

    public List<Option> outcomes() {
        return options(OutreachLog.OUTCOMES);
    }

    private List<Option> options(List<String> codes) {
        return codes.stream().map(c -> new Option(c, of(c))).toList();
    }
}
