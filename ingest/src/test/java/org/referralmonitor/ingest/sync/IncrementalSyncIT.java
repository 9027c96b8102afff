package org.referralmonitor.ingest.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.IngestTestApplication;
import org.referralmonitor.ingest.sandbox.SandboxFhirServer;
import org.referralmonitor.ingest.sandbox.SandboxSpec;
import org.referralmonitor.ingest.sandbox.SandboxWorld;
import org.referralmonitor.ingest.sandbox.SandboxWorldGenerator;
import org.referralmonitor.ingest.store.ConversionLinker;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.referralmonitor.ingest.testsupport.SyncAwait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Incremental system-level search against the sandbox EMR, where data changes while we sync: a
 * resource updated between page 1 and page 2, same-second updates at the window's edge, a server
 * clock ahead of ours, changes {@code _lastUpdated} missed and deletions (found by the
 * reconciliation), entered-in-error tombstones; and a server that only allows patient-anchored
 * search, which refuses system-level search with the reason and is crawled by patient instead.
 */
@SpringBootTest(classes = {IngestTestApplication.class, IncrementalSyncIT.SyncEvents.class})
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class IncrementalSyncIT {

    /** The sync events published, whatever thread published them. */
    static class SyncEvents {
        final List<Object> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

        @org.springframework.context.event.EventListener
        void started(SyncStartedEvent event) {
            seen.add(event);
        }

        @org.springframework.context.event.EventListener
        void finished(SyncFinishedEvent event) {
            seen.add(event);
        }

        SyncFinishedEvent finishedOf(long runId) {
            return seen.stream().filter(e -> e instanceof SyncFinishedEvent f && f.syncRunId() == runId)
                    .map(SyncFinishedEvent.class::cast).findFirst().orElseThrow();
        }

        boolean startedOf(long runId) {
            return seen.stream().anyMatch(e -> e instanceof SyncStartedEvent s && s.syncRunId() == runId);
        }
    }

    @Autowired
    SyncEvents syncEvents;

    private static final String CLINIC = "lakeside-ortho";
    private static final String PATIENT_ONLY = "harbor-behavioral";
    private static final ObjectMapper JSON = new ObjectMapper();

    static final SandboxFhirServer SANDBOX = new SandboxFhirServer(new SandboxWorldGenerator(FhirContext.forR4Cached())
            .generate(SandboxSpec.demo(7, LocalDate.now(), 13, 3)));

    @DynamicPropertySource
    static void endpoints(DynamicPropertyRegistry registry) {
        registry.add("referral-monitor.ingest.clinics[0].id", () -> CLINIC);
        registry.add("referral-monitor.ingest.clinics[0].name", () -> "Lakeside");
        registry.add("referral-monitor.ingest.clinics[1].id", () -> PATIENT_ONLY);
        registry.add("referral-monitor.ingest.clinics[1].name", () -> "Harbor");
        registry.add("referral-monitor.ingest.endpoints[0].id", () -> "lakeside");
        registry.add("referral-monitor.ingest.endpoints[0].clinic", () -> CLINIC);
        registry.add("referral-monitor.ingest.endpoints[0].base-url", () -> SANDBOX.baseUrl(CLINIC).toString());
        registry.add("referral-monitor.ingest.endpoints[0].page-size", () -> "25");
        registry.add("referral-monitor.ingest.endpoints[3].id", () -> "lakeside-clock");
        registry.add("referral-monitor.ingest.endpoints[3].clinic", () -> CLINIC);
        registry.add("referral-monitor.ingest.endpoints[3].base-url", () -> SANDBOX.baseUrl(CLINIC).toString());
        registry.add("referral-monitor.ingest.endpoints[3].page-size", () -> "100");
        registry.add("referral-monitor.ingest.endpoints[4].id", () -> "lakeside-le");
        registry.add("referral-monitor.ingest.endpoints[4].clinic", () -> CLINIC);
        registry.add("referral-monitor.ingest.endpoints[4].base-url", () -> SANDBOX.baseUrl(CLINIC).toString());
        registry.add("referral-monitor.ingest.endpoints[4].page-size", () -> "40");
        registry.add("referral-monitor.ingest.endpoints[1].id", () -> "harbor-search");
        registry.add("referral-monitor.ingest.endpoints[1].clinic", () -> PATIENT_ONLY);
        registry.add("referral-monitor.ingest.endpoints[1].base-url", () -> SANDBOX.baseUrl(PATIENT_ONLY).toString());
        registry.add("referral-monitor.ingest.endpoints[2].id", () -> "harbor-roster");
        registry.add("referral-monitor.ingest.endpoints[2].clinic", () -> PATIENT_ONLY);
        registry.add("referral-monitor.ingest.endpoints[2].base-url", () -> SANDBOX.baseUrl(PATIENT_ONLY).toString());
        registry.add("referral-monitor.ingest.endpoints[2].strategy", () -> "roster");
        registry.add("referral-monitor.ingest.endpoints[2].concurrency", () -> "4");
        registry.add("referral-monitor.ingest.endpoints[2].roster.source", () -> "group");
        registry.add("referral-monitor.ingest.endpoints[2].roster.group-id", () -> PATIENT_ONLY + "-patients");
        registry.add("referral-monitor.ingest.endpoints[5].id", () -> "harbor-crawl");
        registry.add("referral-monitor.ingest.endpoints[5].clinic", () -> PATIENT_ONLY);
        registry.add("referral-monitor.ingest.endpoints[5].base-url", () -> SANDBOX.baseUrl(PATIENT_ONLY).toString());
        registry.add("referral-monitor.ingest.endpoints[5].strategy", () -> "roster");
        registry.add("referral-monitor.ingest.endpoints[5].roster.source", () -> "group");
        registry.add("referral-monitor.ingest.endpoints[5].roster.group-id", () -> PATIENT_ONLY + "-patients");
        registry.add("referral-monitor.ingest.endpoints[6].id", () -> "harbor-patients");
        registry.add("referral-monitor.ingest.endpoints[6].clinic", () -> PATIENT_ONLY);
        registry.add("referral-monitor.ingest.endpoints[6].base-url", () -> SANDBOX.baseUrl(PATIENT_ONLY).toString());
        registry.add("referral-monitor.ingest.endpoints[6].page-size", () -> "50");
        registry.add("referral-monitor.ingest.endpoints[6].strategy", () -> "roster");
        registry.add("referral-monitor.ingest.endpoints[6].roster.source", () -> "patient-search");
        registry.add("referral-monitor.ingest.endpoints[6].roster.patient-query", () -> "active=true");
    }

    @Autowired
    SyncService syncs;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    ConversionLinker conversions;

    @Autowired
    org.referralmonitor.ingest.store.SourceResolver sources;

    private SandboxFhirServer.Behavior original;

    @BeforeEach
    void patientOnly() {
        original = SANDBOX.behavior(CLINIC);
        SANDBOX.behave(PATIENT_ONLY, SANDBOX.behavior(PATIENT_ONLY).patientAnchoredOnly());
    }

    @AfterEach
    void restore() {
        SANDBOX.behave(CLINIC, original);
        SANDBOX.clearListeners();
    }

    @AfterAll
    static void stop() {
        SANDBOX.close();
    }

    @Test
    void aResourceUpdatedBetweenPagesIsNotLostAndItsNewVersionArrives() {
        SandboxWorld.Resource first = sorted("ServiceRequest").get(0);
        AtomicBoolean moved = new AtomicBoolean();
        SANDBOX.onPageServed((clinic, type, offset) -> {
            if (clinic.equals(CLINIC) && type.equals("ServiceRequest") && offset == 0 && moved.compareAndSet(false, true)) {
                // edited a minute ago: page 1's first resource moves to the end and offset paging skips one
                SANDBOX.put(CLINIC, updated(first, SANDBOX.serverNow(CLINIC).minusSeconds(60), null));
            }
        });

        SyncRun run = SyncAwait.sync(syncs, "lakeside");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(moved).isTrue();
        assertThat(storedOrInReview("lakeside")).containsAll(ids("ServiceRequest"));
        assertThat(version(first.id())).isEqualTo("updated");
        // the short first pass was noticed against Bundle.total and the window pulled again
        assertThat(jdbc.sql("SELECT passes FROM sync_window WHERE sync_run_id = :id AND resource_type = 'ServiceRequest'")
                .param("id", run.id()).query(Integer.class).single()).isEqualTo(2);
        assertThat(run.countMismatch()).isZero();
    }

    @Test
    void anIncrementalSyncLinksAndCreditsWhatChangedAsIfItDidEverythingAgain() {
        SyncAwait.sync(syncs, "lakeside");
        // inside the next window's overlap, whenever that sync starts
        Instant changedAt = watermark("lakeside", "Encounter").toInstant().minusSeconds(1);
        // visits that referrals turned into are cancelled: those referrals did not convert after all
        List<String> cancelled = jdbc.sql("""
                SELECT visit_id FROM referral_conversion WHERE endpoint_id = 'lakeside' ORDER BY visit_id LIMIT 6
                """).query(String.class).list();
        assertThat(cancelled).hasSize(6);
        List<java.time.LocalDate> convertedMonths = jdbc.sql("""
                SELECT DISTINCT r.authored_month FROM referral_conversion rc
                JOIN referral r ON r.endpoint_id = rc.endpoint_id AND r.resource_id = rc.referral_id
                WHERE rc.endpoint_id = 'lakeside' AND rc.visit_id IN (:v)
                """).param("v", cancelled).query(java.time.LocalDate.class).list();
        for (String id : cancelled) {
            SANDBOX.put(CLINIC, updated(SANDBOX.find(CLINIC, "Encounter", id).orElseThrow(), changedAt, "cancelled"));
        }

        SyncRun run = SyncAwait.sync(syncs, "lakeside");
        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(run.resourcesWritten()).isEqualTo(6);
        Map<String, String> incremental = finished("lakeside");
        assertThat(jdbc.sql("SELECT count(*) FROM referral_conversion WHERE endpoint_id = 'lakeside' AND visit_id IN (:v)")
                .param("v", cancelled).query(Integer.class).single()).as("cancelled visits convert nothing").isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM change_scope").query(Integer.class).single()).isZero();
        assertThat(syncEvents.startedOf(run.id())).isTrue();
        assertThat(syncEvents.finishedOf(run.id())).as("what metrics reads to know which months changed")
                .extracting(SyncFinishedEvent::resourcesWritten, SyncFinishedEvent::everyReferralChanged)
                .containsExactly(6, false);
        assertThat(syncEvents.finishedOf(run.id()).relinkedMonths()).as("the months of the referrals linked again")
                .containsAll(convertedMonths).isSorted();
        assertThat(jdbc.sql("SELECT month_start FROM sync_run_relinked_month WHERE sync_run_id = :id ORDER BY month_start")
                .param("id", run.id()).query(java.time.LocalDate.class).list())
                .as("kept with the run in the linking's transaction, for when the process dies before the event")
                .isEqualTo(syncEvents.finishedOf(run.id()).relinkedMonths());
        assertThat(everyReferralChanged(run.id())).isFalse();

        conversions.forget("lakeside");
        SyncRun everything = SyncAwait.sync(syncs, "lakeside");
        assertThat(everything.status()).as(everything.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(syncEvents.finishedOf(everything.id()).everyReferralChanged()).as("every referral linked again")
                .isTrue();
        assertThat(syncEvents.finishedOf(everything.id()).relinkedMonths()).as("every month: no list").isEmpty();
        assertThat(everyReferralChanged(everything.id())).as("kept with the run").isTrue();
        assertThat(finished("lakeside")).as("credits and links after the incremental sync equal those of a sync "
                + "that credits and links every referral").isEqualTo(incremental);
    }

    private boolean everyReferralChanged(long runId) {
        return jdbc.sql("SELECT every_referral_changed FROM sync_run WHERE id = :id").param("id", runId)
                .query(Boolean.class).single();
    }

    @Test
    void sameSecondUpdatesAtTheWindowEdgeArriveInTheNextSync() {
        SyncAwait.sync(syncs, "lakeside");
        OffsetDateTime watermark = watermark("lakeside", "ServiceRequest");
        List<SandboxWorld.Resource> some = sorted("ServiceRequest").subList(0, 2);
        // committed late: one exactly at the watermark, one a millisecond before it, same second
        SANDBOX.put(CLINIC, updated(some.get(0), watermark.toInstant(), null));
        SANDBOX.put(CLINIC, updated(some.get(1), watermark.toInstant().minusMillis(1), null));
        // the next sync's window ends after them once the server's clock is past the watermark's second
        await().atMost(Duration.ofSeconds(5)).until(() -> SANDBOX.serverNow(CLINIC)
                .isAfter(watermark.toInstant().plusSeconds(32)));

        SyncRun next = SyncAwait.sync(syncs, "lakeside");

        assertThat(next.status()).as(next.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(jdbc.sql("SELECT count(*) FROM referral WHERE endpoint_id = 'lakeside' AND version_id = 'updated' "
                + "AND resource_id IN (:ids)").param("ids", some.stream().map(SandboxWorld.Resource::id).toList())
                .query(Integer.class).single()).as("watermark %s, pages %s", watermark, pages(next.id())).isEqualTo(2);
    }

    @Test
    void windowsEndByTheServersClockNotOurs() {
        SANDBOX.behave(CLINIC, original.clockOffset(Duration.ofMinutes(3)));
        // updated two minutes in our future, one minute in the server's past
        SandboxWorld.Resource ahead = sorted("ServiceRequest").get(3);
        SANDBOX.put(CLINIC, updated(ahead, SANDBOX.serverNow(CLINIC).minus(Duration.ofMinutes(1)), null));

        SyncRun run = SyncAwait.sync(syncs, "lakeside-clock");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        OffsetDateTime windowEnd = jdbc.sql("SELECT window_to FROM sync_window WHERE sync_run_id = :id AND "
                + "resource_type = 'ServiceRequest'").param("id", run.id()).query(OffsetDateTime.class).single();
        assertThat(windowEnd.toInstant()).isAfter(Instant.now().plus(Duration.ofMinutes(2)));
        assertThat(jdbc.sql("SELECT version_id FROM referral WHERE endpoint_id = 'lakeside-clock' AND resource_id = :id")
                .param("id", ahead.id()).query(String.class).single()).isEqualTo("updated");
    }

    /**
     * A server that implements only ge and le refuses {@code _lastUpdated=lt} with a 400: every window
     * of the sync ends with le instead, the windows planned before the refusal too (each type's first
     * page is planned at the start), and nothing is lost.
     */
    @Test
    void aServerThatRefusesLtIsAskedWithLeForEveryWindow() {
        SANDBOX.behave(CLINIC, original.refusingLt());

        SyncRun run = SyncAwait.sync(syncs, "lakeside-le");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        // everything up to the window's end (other tests may have changed resources since, after it)
        assertThat(storedOrInReview("lakeside-le")).containsAll(idsUpTo("ServiceRequest", windowEnd(run)));
        assertThat(stored("visit", "lakeside-le")).containsAll(idsUpTo("Encounter", windowEnd(run)));
        List<String> windowPages = pages(run.id()).stream().filter(p -> p.contains("_lastUpdated=")).toList();
        assertThat(windowPages).as("both types' windows were asked")
                .anyMatch(p -> p.contains("/ServiceRequest?")).anyMatch(p -> p.contains("/Encounter?"))
                .noneMatch(p -> p.contains("_lastUpdated=lt"));
    }

    /**
     * Syncs after the first look for missing directory resources only among what they wrote; one the
     * EMR lacked when it was first needed is asked for again once directory-recheck (24 h) has passed
     * since the last look among all rows, without waiting for a reconciliation.
     */
    @Test
    void aDirectoryResourceStillMissingIsAskedForAgainOnceDirectoryRecheckHasPassed() {
        SyncAwait.sync(syncs, "lakeside");
        String practitioner = jdbc.sql("""
                SELECT MIN(pr.practitioner_id) FROM practitioner_role pr
                JOIN practitioner p ON p.endpoint_id = pr.endpoint_id AND p.resource_id = pr.practitioner_id
                WHERE pr.endpoint_id = 'lakeside'
                """).query(String.class).single();
        // as if the EMR had lacked it when its role arrived
        jdbc.sql("DELETE FROM practitioner WHERE endpoint_id = 'lakeside' AND resource_id = :id")
                .param("id", practitioner).update();

        SyncRun between = SyncAwait.sync(syncs, "lakeside");
        assertThat(between.status()).as(between.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(heldPractitioner(practitioner)).as("a sync within directory-recheck looks only among what it "
                + "wrote").isFalse();

        jdbc.sql("UPDATE directory_scan_state SET scanned_at = :at WHERE endpoint_id = 'lakeside'")
                .param("at", OffsetDateTime.now(ZoneOffset.UTC).minusHours(25)).update();
        SyncRun due = SyncAwait.sync(syncs, "lakeside");
        assertThat(due.status()).as(due.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(heldPractitioner(practitioner)).as("asked for again once directory-recheck has passed").isTrue();
        assertThat(jdbc.sql("SELECT scanned_at FROM directory_scan_state WHERE endpoint_id = 'lakeside'")
                .query(OffsetDateTime.class).single()).as("the look among all rows is recorded")
                .isAfter(OffsetDateTime.now(ZoneOffset.UTC).minusHours(1));
    }

    private boolean heldPractitioner(String id) {
        return jdbc.sql("SELECT COUNT(*) FROM practitioner WHERE endpoint_id = 'lakeside' AND resource_id = :id")
                .param("id", id).query(Integer.class).single() == 1;
    }

    @Test
    void reconciliationFindsWhatIncrementalSyncMissedAndTombstonesDeletions() {
        SyncAwait.sync(syncs, "lakeside");
        List<SandboxWorld.Resource> all = sorted("ServiceRequest");
        Instant now = Instant.now();
        List<SandboxWorld.Resource> settled = all.stream()
                .filter(r -> r.lastUpdated().isAfter(now.minus(Duration.ofDays(100)))
                        && r.lastUpdated().isBefore(now.minus(Duration.ofDays(10))))
                .filter(r -> r.id().startsWith("sr-0")).toList();
        SandboxWorld.Resource missed = settled.get(0);
        SandboxWorld.Resource gone = settled.get(1);
        SandboxWorld.Resource voided = settled.get(2);
        // a change whose lastUpdated the server set in the past, so no incremental window sees it
        SANDBOX.put(CLINIC, updated(missed, missed.lastUpdated().plus(Duration.ofDays(1)), null));
        SANDBOX.delete(CLINIC, "ServiceRequest", gone.id());
        SANDBOX.put(CLINIC, updated(voided, SANDBOX.serverNow(CLINIC).minusSeconds(60), "entered-in-error"));

        SyncRun incremental = SyncAwait.sync(syncs, "lakeside");
        assertThat(incremental.status()).as(incremental.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(version(missed.id())).isNotEqualTo("updated");
        assertThat(tombstone("lakeside", voided.id())).isEqualTo("ENTERED_IN_ERROR");

        // rows stored by an older sanitizer: the same versions, other content, written again (no miss),
        // the entered-in-error one too (tombstoned again)
        List<String> resanitized = java.util.stream.Stream.concat(settled.subList(3, 6).stream(), java.util.stream.Stream.of(voided))
                .map(SandboxWorld.Resource::id).toList();
        jdbc.sql("UPDATE referral SET content_hash = 'older-sanitizer' WHERE endpoint_id = 'lakeside' "
                + "AND resource_id IN (:ids)").param("ids", resanitized).update();

        SyncRun reconcile = SyncAwait.finished(syncs, syncs.requestSync("lakeside", SyncService.TRIGGER_RECONCILE));

        assertThat(reconcile.status()).as(reconcile.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(version(missed.id())).isEqualTo("updated");
        assertThat(jdbc.sql("SELECT sync_run_id FROM referral WHERE endpoint_id = 'lakeside' AND resource_id IN (:ids)")
                .param("ids", resanitized).query(Long.class).list()).as("written again").containsOnly(reconcile.id());
        assertThat(reconcile.missed()).as("the change no window saw; not the versions we held, stored again")
                .isEqualTo(1);
        assertThat(tombstone("lakeside", voided.id())).isEqualTo("ENTERED_IN_ERROR");
        assertThat(tombstone("lakeside", gone.id())).isEqualTo("DELETED");
        assertThat(reconcile.tombstoned()).isGreaterThanOrEqualTo(1);
    }

    /**
     * The roster's first sync, on a server that allows searching the whole directory (practices,
     * providers, roles; only requests and visits are patient-anchored): the directory is searched
     * before the crawl and every request is credited as it is written, equal to crediting them all
     * afterwards.
     */
    @Test
    @org.junit.jupiter.api.extension.ExtendWith(org.springframework.boot.test.system.OutputCaptureExtension.class)
    void aPatientOnlyServerRefusesSystemSearchWithTheReasonAndIsCrawledByPatient(
            org.springframework.boot.test.system.CapturedOutput output) {
        SyncRun refused = SyncAwait.sync(syncs, "harbor-search");

        assertThat(refused.status()).isEqualTo(SyncRun.FAILED);
        assertThat(refused.error()).contains("patient");

        SyncRun crawled = SyncAwait.sync(syncs, "harbor-roster");

        assertThat(crawled.status()).as(crawled.error()).isEqualTo(SyncRun.SUCCEEDED);
        List<String> expected = SANDBOX.world().clinics().stream().filter(c -> c.id().equals(PATIENT_ONLY))
                .flatMap(c -> c.resources().stream()).filter(r -> r.type().equals("ServiceRequest"))
                .map(SandboxWorld.Resource::id).toList();
        List<String> stored = storedOrInReview("harbor-roster");
        assertThat(stored).containsAll(expected.stream().filter(id -> SANDBOX.find(PATIENT_ONLY, "ServiceRequest", id)
                .map(r -> r.patientId() != null).orElse(false)).toList());
        assertThat(crawled.countMismatch()).isZero();

        List<String> urls = pages(crawled.id());
        assertThat(urls.subList(0, 3)).as("the directory first, then the crawl").allMatch(u -> u.matches(
                ".*/(Organization|Practitioner|PractitionerRole)\\?_count=.*"));
        assertThat(urls).as("then every patient's requests and visits").anyMatch(u -> u.contains("patient="));
        int requests = jdbc.sql("SELECT COUNT(*) FROM referral WHERE endpoint_id = 'harbor-roster'")
                .query(Integer.class).single();
        assertThat(output.getOut()).as("the sync's summary: every request credited as it was written")
                .containsPattern("Sync " + crawled.id() + " of harbor-roster succeeded: .* " + requests
                        + " referrals credited as written and 0 after");
        Map<String, String> atInsert = SyncDatabases.credits(jdbc, "harbor-roster");
        sources.resolve("harbor-roster", true);
        assertThat(atInsert).as("credited as written = credited afterwards").isEqualTo(SyncDatabases.credits(jdbc, "harbor-roster"));
    }

    /**
     * The roster crawl reads each patient in full once; later syncs ask each patient read before only
     * for what changed since its last complete read (the server declares {@code _lastUpdated}): the
     * change arrives, a patient new to the roster is read in full, and a reconciliation reads every
     * patient in full and counts the change the incremental crawls could not see (its lastUpdated set
     * in the past), not the history of a patient who joined the roster since.
     */
    @Test
    void aRosterCrawlAsksPatientsItReadBeforeOnlyForWhatChanged() {
        SyncRun first = SyncAwait.sync(syncs, "harbor-crawl");

        assertThat(first.status()).as(first.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(patientPages(first.id())).as("every patient read in full").isNotEmpty()
                .noneMatch(u -> u.contains("_lastUpdated"));
        List<SandboxWorld.Resource> requests = SANDBOX.world().clinics().stream()
                .filter(c -> c.id().equals(PATIENT_ONLY)).flatMap(c -> c.resources().stream())
                .filter(r -> r.type().equals("ServiceRequest") && r.patientId() != null)
                .map(r -> SANDBOX.find(PATIENT_ONLY, "ServiceRequest", r.id()).orElseThrow())
                .sorted(Comparator.comparing(SandboxWorld.Resource::lastUpdated)).toList();
        long patients = SANDBOX.world().clinics().stream().filter(c -> c.id().equals(PATIENT_ONLY))
                .flatMap(c -> c.resources().stream()).map(SandboxWorld.Resource::patientId)
                .filter(java.util.Objects::nonNull).distinct().count();
        assertThat(jdbc.sql("SELECT COUNT(*) FROM roster_patient WHERE endpoint_id = 'harbor-crawl' "
                + "AND resource_type = 'ServiceRequest'").query(Long.class).single())
                .as("a mark per patient read").isEqualTo(patients);

        Instant now = SANDBOX.serverNow(PATIENT_ONLY);
        SandboxWorld.Resource changed = requests.get(requests.size() / 2);
        SandboxWorld.Resource hidden = requests.stream()
                .filter(r -> r != changed && r.lastUpdated().isBefore(now.minus(Duration.ofDays(10)))).findFirst()
                .orElseThrow();
        SANDBOX.put(PATIENT_ONLY, updated(changed, now.minusSeconds(60), null));
        // a change whose lastUpdated the server set in the past: no incremental read sees it
        SANDBOX.put(PATIENT_ONLY, updated(hidden, hidden.lastUpdated().plus(Duration.ofDays(1)), null));
        SANDBOX.put(PATIENT_ONLY, forPatient(changed, "sr-new-patient", "newcomer", now.minusSeconds(30)));

        SyncRun second = SyncAwait.sync(syncs, "harbor-crawl");

        assertThat(second.status()).as(second.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(version("harbor-crawl", changed.id())).isEqualTo("updated");
        assertThat(version("harbor-crawl", hidden.id())).isNotEqualTo("updated");
        assertThat(version("harbor-crawl", "sr-new-patient")).as("the new patient's request").isNotNull();
        List<String> crawled = patientPages(second.id());
        assertThat(crawled).as("the patient new to the roster, read in full")
                .filteredOn(u -> u.contains("patient=newcomer")).isNotEmpty()
                .noneMatch(u -> u.contains("_lastUpdated"));
        assertThat(crawled).as("every other patient, for what changed since its last read only")
                .filteredOn(u -> !u.contains("patient=newcomer")).hasSizeGreaterThanOrEqualTo((int) patients * 2)
                .allMatch(u -> u.contains("&_lastUpdated=ge"));
        assertThat(second.resourcesReceived()).as("what changed, not every patient's history again")
                .isPositive().isLessThan(first.resourcesReceived() / 4);

        // a patient who joins the roster with a history: new to us, but no crawl had read that patient
        SANDBOX.put(PATIENT_ONLY, forPatient(hidden, "sr-late-joiner", "late-joiner",
                hidden.lastUpdated().minus(Duration.ofDays(3))));

        SyncRun reconcile = SyncAwait.finished(syncs, syncs.requestSync("harbor-crawl", SyncService.TRIGGER_RECONCILE));

        assertThat(reconcile.status()).as(reconcile.error()).isEqualTo(SyncRun.SUCCEEDED);
        assertThat(patientPages(reconcile.id())).as("a reconciliation reads every patient in full")
                .hasSizeGreaterThanOrEqualTo((int) patients * 2 + 2).noneMatch(u -> u.contains("_lastUpdated"));
        assertThat(version("harbor-crawl", hidden.id())).isEqualTo("updated");
        assertThat(version("harbor-crawl", "sr-late-joiner")).isNotNull();
        assertThat(reconcile.missed()).as("the change no incremental read saw; not the history of a patient no "
                + "crawl had read").isEqualTo(1);
    }

    /**
     * A roster read from a Patient search, page after page (the sandbox lists 50 patients a page):
     * every patient on it crawled, each with a mark, and their requests stored.
     */
    @Test
    void aRosterFromAPatientSearchFollowsItsPagesAndCrawlsEveryone() {
        SyncRun run = SyncAwait.sync(syncs, "harbor-patients");

        assertThat(run.status()).as(run.error()).isEqualTo(SyncRun.SUCCEEDED);
        List<SandboxWorld.Resource> initial = SANDBOX.world().clinics().stream()
                .filter(c -> c.id().equals(PATIENT_ONLY)).flatMap(c -> c.resources().stream()).toList();
        long patients = initial.stream().map(SandboxWorld.Resource::patientId).filter(java.util.Objects::nonNull)
                .distinct().count();
        assertThat(patients).as("more patients than one page holds").isGreaterThan(100);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM roster_patient WHERE endpoint_id = 'harbor-patients' "
                + "AND resource_type = 'ServiceRequest'").query(Long.class).single())
                .as("every patient of every page crawled").isGreaterThanOrEqualTo(patients);
        assertThat(storedOrInReview("harbor-patients")).containsAll(initial.stream()
                .filter(r -> r.type().equals("ServiceRequest") && r.patientId() != null)
                .map(SandboxWorld.Resource::id).toList());
    }

    /** A copy of a request, as another patient's. */
    private static SandboxWorld.Resource forPatient(SandboxWorld.Resource r, String id, String patient,
            Instant lastUpdated) {
        try {
            ObjectNode json = (ObjectNode) JSON.readTree(r.json());
            json.put("id", id);
            json.withObject("/meta").put("lastUpdated", lastUpdated.truncatedTo(ChronoUnit.MILLIS).toString());
            json.withObject("/subject").put("reference", "Patient/" + patient);
            return new SandboxWorld.Resource(r.type(), id, lastUpdated, patient, r.practitionerId(),
                    JSON.writeValueAsString(json));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private List<String> patientPages(long runId) {
        return jdbc.sql("SELECT url FROM sync_page WHERE sync_run_id = :id AND url LIKE '%patient=%' ORDER BY seq")
                .param("id", runId).query(String.class).list();
    }

    private String version(String endpoint, String id) {
        return jdbc.sql("SELECT version_id FROM referral WHERE endpoint_id = :e AND resource_id = :id")
                .param("e", endpoint).param("id", id).query(String.class).optional().orElse(null);
    }

    private List<String> pages(long runId) {
        return jdbc.sql("SELECT url || ' -> ' || entries FROM sync_page WHERE sync_run_id = :id ORDER BY seq")
                .param("id", runId).query(String.class).list();
    }

    private List<SandboxWorld.Resource> sorted(String type) {
        return SANDBOX.world().clinics().stream().filter(c -> c.id().equals(CLINIC))
                .flatMap(c -> c.resources().stream()).filter(r -> r.type().equals(type))
                .map(r -> SANDBOX.find(CLINIC, type, r.id()).orElse(null)).filter(r -> r != null)
                .sorted(Comparator.comparing(SandboxWorld.Resource::lastUpdated).thenComparing(SandboxWorld.Resource::id))
                .toList();
    }

    /** The ids of the type's resources last updated at or before the instant (a window ending with le). */
    private List<String> idsUpTo(String type, Instant end) {
        return sorted(type).stream().filter(r -> !r.lastUpdated().isAfter(end)).map(SandboxWorld.Resource::id).toList();
    }

    private Instant windowEnd(SyncRun run) {
        return jdbc.sql("SELECT MIN(window_to) FROM sync_window WHERE sync_run_id = :id").param("id", run.id())
                .query(OffsetDateTime.class).single().toInstant();
    }

    private List<String> ids(String type) {
        return sorted(type).stream().map(SandboxWorld.Resource::id).toList();
    }

    private List<String> stored(String table, String endpoint) {
        return jdbc.sql("SELECT resource_id FROM " + table + " WHERE endpoint_id = :e").param("e", endpoint)
                .query(String.class).list();
    }

    /** What finishing a sync decides per referral: its source and the visit it became. */
    private Map<String, String> finished(String endpoint) {
        Map<String, String> finished = new java.util.TreeMap<>();
        jdbc.sql("""
                SELECT r.resource_id, r.source_resolution || ' ' || COALESCE(r.source_org_key, '-') || ' '
                       || COALESCE(r.source_practitioner_key, '-') || ' ' || COALESCE(c.visit_id || ' ' || c.method, '-')
                FROM referral r
                LEFT JOIN referral_conversion c ON c.endpoint_id = r.endpoint_id AND c.referral_id = r.resource_id
                WHERE r.endpoint_id = :e
                """).param("e", endpoint).query((rs, n) -> finished.put(rs.getString(1), rs.getString(2))).list();
        return finished;
    }

    /** Every resource received: stored, or (when it cannot be counted) in the review table. */
    private List<String> storedOrInReview(String endpoint) {
        return jdbc.sql("SELECT resource_id FROM referral WHERE endpoint_id = :e UNION SELECT resource_id FROM "
                + "rejected_resource WHERE endpoint_id = :e AND resource_type = 'ServiceRequest'").param("e", endpoint)
                .query(String.class).list();
    }

    private String version(String id) {
        return jdbc.sql("SELECT version_id FROM referral WHERE endpoint_id = 'lakeside' AND resource_id = :id")
                .param("id", id).query(String.class).single();
    }

    private String tombstone(String endpoint, String id) {
        return jdbc.sql("SELECT tombstone_reason FROM referral WHERE endpoint_id = :e AND resource_id = :id")
                .param("e", endpoint).param("id", id).query(String.class).optional().orElse(null);
    }

    private OffsetDateTime watermark(String endpoint, String type) {
        return jdbc.sql("SELECT watermark FROM sync_watermark WHERE endpoint_id = :e AND resource_type = :t")
                .param("e", endpoint).param("t", type).query(OffsetDateTime.class).single();
    }

    /** The resource as the EMR would serve it after an edit: new version, new lastUpdated, maybe a new status. */
    private static SandboxWorld.Resource updated(SandboxWorld.Resource r, Instant lastUpdated, String status) {
        try {
            ObjectNode json = (ObjectNode) JSON.readTree(r.json());
            ObjectNode meta = json.withObject("/meta");
            meta.put("versionId", "updated");
            meta.put("lastUpdated", lastUpdated.truncatedTo(ChronoUnit.MILLIS).toString());
            if (status != null) {
                json.put("status", status);
            }
            return new SandboxWorld.Resource(r.type(), r.id(), lastUpdated, r.patientId(), r.practitionerId(),
                    JSON.writeValueAsString(json));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
