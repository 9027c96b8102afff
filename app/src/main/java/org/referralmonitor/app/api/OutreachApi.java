package org.referralmonitor.app.api;

import java.net.URI;
import java.security.Principal;
import java.util.List;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.outreach.Cadence;
import org.referralmonitor.metrics.outreach.NewOutreach;
import org.referralmonitor.metrics.outreach.Outreach;
import org.referralmonitor.metrics.outreach.OutreachDue;
import org.referralmonitor.metrics.outreach.OutreachLog;
import org.referralmonitor.metrics.outreach.OutreachReturn;
import org.referralmonitor.metrics.outreach.OutreachReturns;
import org.referralmonitor.metrics.outreach.ProviderReturn;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Outreach to referring practices: coordinators log contacts (answering an alert acknowledges it)
 * and keep a cadence per practice; everyone sees who is due and the return on outreach. Practices
 * are named by their {@code orgKey}, as the clinic's sources list them.
 */
@RestController
@RequestMapping("/api/v1/clinics/{clinic}/outreach")
class OutreachApi {

    /** Contacts listed at most. */
    static final int MAX_LIST = 500;

    /**
     * A contact to log.
     *
     * @param contactedOn YYYY-MM-DD in the clinic's time zone; today when absent
     * @param channel call, visit, email, letter or event
     * @param topic volume, quality, scheduling, feedback or relationship
     * @param outcome reached, message-left, not-reached or meeting-booked
     * @param alertId the alert it answers, if any
     * @param provider the referring provider of the practice contacted (its {@code practitionerKey}), if
     *     one in particular
     */
    record OutreachRequest(String org, String contactedOn, String channel, String topic, String outcome,
            Long alertId, String provider) {
    }

    record CadenceRequest(String org, Integer everyDays) {
    }

    private final EndpointDirectory directory;
    private final OutreachLog log;
    private final OutreachReturns returns;

    OutreachApi(EndpointDirectory directory, OutreachLog log, OutreachReturns returns) {
        this.directory = directory;
        this.log = log;
        this.returns = returns;
    }

    /** Logged contacts, newest first; of one practice with {@code org}. */
    @GetMapping
    List<Outreach> list(@PathVariable String clinic, @RequestParam(required = false) String org,
            @RequestParam(defaultValue = "100") int limit) {
        Clinic c = RequestParams.clinic(directory, clinic);
        if (limit < 1 || limit > MAX_LIST) {
            throw new InvalidRequestException("limit must be between 1 and " + MAX_LIST + "; got " + limit);
        }
        return log.find(c.id(), org == null || org.isBlank() ? null : org, limit);
    }

    @PostMapping
    ResponseEntity<Outreach> log(@PathVariable String clinic, @RequestBody OutreachRequest request, Principal user) {
        Clinic c = RequestParams.clinic(directory, clinic);
        Outreach saved = log.log(c.id(), new NewOutreach(request.org(), RequestParams.day("contactedOn", request.contactedOn()), request.channel(),
                request.topic(), request.outcome(), request.alertId(), request.provider()), RequestParams.user(user));
        return ResponseEntity.created(URI.create("/api/v1/clinics/" + c.id() + "/outreach/" + saved.id())).body(saved);
    }

    @GetMapping("/{id}")
    Outreach get(@PathVariable String clinic, @PathVariable long id) {
        Clinic c = RequestParams.clinic(directory, clinic);
        return log.find(id).filter(o -> o.clinicId().equals(c.id()))
                .orElseThrow(() -> new NotFoundException("No outreach " + id + " at clinic '" + c.id() + "'"));
    }

    /** Practices that should hear from the clinic now: an alert nobody answered, or a cadence that is up. */
    @GetMapping("/due")
    List<OutreachDue> due(@PathVariable String clinic) {
        return log.due(RequestParams.clinic(directory, clinic).id());
    }

    /** Referrals after the first contact against before, per practice, net of flagged practices nobody contacted. */
    @GetMapping("/return")
    OutreachReturn returnOnOutreach(@PathVariable String clinic) {
        return returns.of(RequestParams.clinic(directory, clinic).id());
    }

    /** A practice's providers the clinic contacted, with their referrals a month before and after the first contact. */
    @GetMapping("/return/providers")
    List<ProviderReturn> providerReturns(@PathVariable String clinic, @RequestParam(required = false) String org) {
        Clinic c = RequestParams.clinic(directory, clinic);
        return returns.providers(c.id(), c.name(), org);
    }

    @GetMapping("/cadence")
    Cadence cadence(@PathVariable String clinic, @RequestParam String org) {
        Clinic c = RequestParams.clinic(directory, clinic);
        return log.cadence(c.id(), org).orElseThrow(() -> new NotFoundException("No cadence for '" + org + "' at "
                + c.name()));
    }

    @PutMapping("/cadence")
    Cadence setCadence(@PathVariable String clinic, @RequestBody CadenceRequest request, Principal user) {
        Clinic c = RequestParams.clinic(directory, clinic);
        if (request.everyDays() == null) {
            throw new InvalidRequestException("everyDays is required: how often the practice should hear from the "
                    + "clinic, in days");
        }
        return log.setCadence(c.id(), request.org(), request.everyDays(), RequestParams.user(user));
    }

    @DeleteMapping("/cadence")
    ResponseEntity<Void> clearCadence(@PathVariable String clinic, @RequestParam String org) {
        Clinic c = RequestParams.clinic(directory, clinic);
        if (!log.clearCadence(c.id(), org)) {
            throw new NotFoundException("No cadence for '" + org + "' at " + c.name());
        }
        return ResponseEntity.noContent().build();
    }
}
