package org.referralmonitor.app.web;

import java.security.Principal;
import java.time.YearMonth;
import org.referralmonitor.app.api.InvalidRequestException;
import org.referralmonitor.app.api.RequestParams;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.outreach.Cadence;
import org.referralmonitor.metrics.outreach.InvalidOutreachException;
import org.referralmonitor.metrics.outreach.NewOutreach;
import org.referralmonitor.metrics.outreach.Outreach;
import org.referralmonitor.metrics.outreach.OutreachLog;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * What coordinators do from a source's page: log a contact with the practice (answering one of its
 * alerts acknowledges it) and set or clear how often it should hear from the clinic. Who may post
 * here is decided in SecurityConfiguration.
 */
@Controller
class OutreachController {

    private final EndpointDirectory directory;
    private final OutreachLog log;

    OutreachController(EndpointDirectory directory, OutreachLog log) {
        this.directory = directory;
        this.log = log;
    }

    @PostMapping("/clinics/{id}/outreach")
    String log(@PathVariable String id, @RequestParam String org, @RequestParam(required = false) String contactedOn,
            @RequestParam(required = false) String channel, @RequestParam(required = false) String topic,
            @RequestParam(required = false) String outcome, @RequestParam(required = false) Long alertId,
            @RequestParam(required = false) String provider, @RequestParam(required = false) String month,
            RedirectAttributes redirect, Principal user) {
        Clinic clinic = RequestParams.clinic(directory, id);
        try {
            Outreach saved = log.log(clinic.id(), new NewOutreach(org, RequestParams.day("the day", contactedOn), channel,
                    topic, outcome, alertId, provider == null || provider.isBlank() ? null : provider),
                    RequestParams.user(user));
            redirect.addFlashAttribute("message", "Outreach to " + (saved.providerKey() == null ? ""
                    : name(saved.providerName(), saved.providerKey()) + " at ") + name(saved.sourceName(), org) + " on "
                    + saved.contactedOn() + " logged" + (saved.alertId() == null ? "."
                    : "; the alert it answers is acknowledged."));
        } catch (InvalidOutreachException | InvalidRequestException e) {
            redirect.addFlashAttribute("error", "Outreach not logged: " + e.getMessage());
        }
        return back(clinic.id(), org, month);
    }

    @PostMapping("/clinics/{id}/outreach/cadence")
    String cadence(@PathVariable String id, @RequestParam String org, @RequestParam(required = false) String everyDays,
            @RequestParam(required = false) String month, RedirectAttributes redirect, Principal user) {
        Clinic clinic = RequestParams.clinic(directory, id);
        try {
            int days;
            try {
                days = Integer.parseInt(everyDays == null ? "" : everyDays.strip());
            } catch (NumberFormatException e) {
                throw new InvalidRequestException("every how many days must be a whole number; got '"
                        + (everyDays == null ? "" : everyDays) + "'");
            }
            Cadence c = log.setCadence(clinic.id(), org, days, RequestParams.user(user));
            redirect.addFlashAttribute("message", "Cadence set: every " + c.everyDays() + " days, next contact due "
                    + c.nextDue() + ".");
        } catch (InvalidOutreachException | InvalidRequestException e) {
            redirect.addFlashAttribute("error", "Cadence not set: " + e.getMessage());
        }
        return back(clinic.id(), org, month);
    }

    @PostMapping("/clinics/{id}/outreach/cadence/clear")
    String clearCadence(@PathVariable String id, @RequestParam String org,
            @RequestParam(required = false) String month, RedirectAttributes redirect) {
        Clinic clinic = RequestParams.clinic(directory, id);
        if (log.clearCadence(clinic.id(), org)) {
            redirect.addFlashAttribute("message", "Cadence cleared.");
        } else {
            redirect.addFlashAttribute("error", "No cadence was set.");
        }
        return back(clinic.id(), org, month);
    }

    private static String name(String name, String org) {
        return name != null ? name : org;
    }

    /** The source's page, at the month it showed when that is readable, at its outreach section. */
    private static String back(String clinicId, String org, String month) {
        UriComponentsBuilder uri = UriComponentsBuilder.fromPath("/clinics/{id}/source").queryParam("org", "{org}");
        YearMonth m = null;
        try {
            m = RequestParams.month(month, null);
        } catch (InvalidRequestException e) {
            // not a month: the page's default
        }
        if (m != null) {
            uri.queryParam("month", m.toString());
        }
        return "redirect:" + uri.fragment("outreach").buildAndExpand(clinicId, org).encode().toUriString();
    }
}
