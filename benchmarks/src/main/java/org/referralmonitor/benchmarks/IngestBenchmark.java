package org.referralmonitor.benchmarks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.referralmonitor.ingest.endpoint.ValidationLevel;
import org.referralmonitor.ingest.fhir.BundlePageParser;
import org.referralmonitor.ingest.fhir.MappingContext;
import org.referralmonitor.ingest.fhir.ParsedPage;
import org.referralmonitor.ingest.store.ConversionLinker;
import org.referralmonitor.ingest.store.IssueLog;
import org.referralmonitor.ingest.store.ResourceWriter;
import org.referralmonitor.ingest.store.ReviewQueue;
import org.referralmonitor.ingest.sync.SyncFinishedEvent;
import org.referralmonitor.ingest.sync.SyncRun;
import org.referralmonitor.ingest.sync.SyncService;
import org.referralmonitor.profiles.conformance.FhirValidation;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Issue 4: how fast a sync brings an EMR's resources into PostgreSQL, and in how much heap.
 *
 * <p>The EMR is the sandbox FHIR server (WireMock, loopback) over about 1M generated resources,
 * in a process of its own. In the benchmark's JVM (run with {@code -Xmx512m}) the ingest part of
 * the monitor syncs it once, from an empty database, by population search: HTTP, parse, lenient
 * validation, mapping, the idempotent writer, referral sources and conversions, watermarks. Then,
 * in the same run, on a sample of the same pages: the parse-only rate (bytes in memory to mapped
 * resources, with the same validation) and the write-only rate (parsed pages into PostgreSQL,
 * the same statements per page as the sync), the two limits a sync cannot beat.
 */
final class IngestBenchmark {

    private static final String ENDPOINT = "bench-emr";
    private static final int PAGE_SIZE = 1000;
    private static final Pattern NEXT = Pattern.compile("\"relation\"\\s*:\\s*\"next\"\\s*,\\s*\"url\"\\s*:\\s*\"([^\"]+)\"");

    private final int resources;
    private final int samplePages;

    IngestBenchmark(double scale) {
        this.resources = (int) Math.round(1_000_000 * scale);
        this.samplePages = Math.max(2, (int) Math.round(40 * Math.min(1.0, scale * 10)));
    }

    /** A page as received, for the baselines. */
    private record Page(String type, String url, byte[] body) {
    }

    String run() throws Exception {
        Path log = Files.createTempFile("bench-emr", ".log");
        try (BenchEmr emr = BenchEmr.start(resources, log); BenchDatabase db = new BenchDatabase()) {
            URI base = emr.content.baseUrl();
            System.out.println("EMR serving " + emr.content.countsByType() + " at " + base);
            try (ConfigurableApplicationContext app = monitor(db, base)) {
                ProcessHandle emrProcess = emr.handle();
                Sync sync = sync(app, emrProcess);
                Sync again = sync(app, emrProcess);
                app.getBean(ConversionLinker.class).forget(ENDPOINT);
                Sync relinked = sync(app, emrProcess);
                Baselines baselines = baselines(app, db, base, emrProcess);
                return report(emr.content, sync, again, relinked, baselines);
            }
        }
    }

    /** The ingest application with one endpoint: the benchmark EMR, population search, pages of 1000. */
    private static ConfigurableApplicationContext monitor(BenchDatabase db, URI base) {
        Map<String, Object> p = db.monitorProperties();
        p.put("logging.level.org.referralmonitor.ingest.sync.SyncSteps", "INFO");
        p.put("referral-monitor.ingest.clinics[0].id", BenchEmr.CLINIC);
        p.put("referral-monitor.ingest.clinics[0].name", "Lakeside Orthopedics");
        p.put("referral-monitor.ingest.endpoints[0].id", ENDPOINT);
        p.put("referral-monitor.ingest.endpoints[0].clinic", BenchEmr.CLINIC);
        p.put("referral-monitor.ingest.endpoints[0].base-url", base.toString());
        p.put("referral-monitor.ingest.endpoints[0].page-size", PAGE_SIZE);
        p.put("referral-monitor.ingest.endpoints[0].strategy", "search");
        p.put("referral-monitor.ingest.endpoints[0].own-organizations[0]", "Organization/org-self");
        String[] args = BenchDatabase.arguments(p);
        ConfigurableApplicationContext app = new SpringApplicationBuilder(BenchIngestApplication.class)
                .web(WebApplicationType.NONE).run(args);
        // the profiles compiled before the clock starts, as in a monitor that has been up for a while
        app.getBean(FhirValidation.class).warmUp();
        return app;
    }

    /** What the full sync did. */
    private record Sync(SyncRun run, double seconds, long peakHeap, long maxHeap, long liveHeap,
            Map<String, Integer> stored, Phases phases, CpuMeter.Reading windowsCpu, double windowsCpuSeconds) {
    }

    /**
     * Where the sync's time went, from its page records: the directory searched before the windows
     * (a first sync), the search windows (from the start), directory look-ups by id after them, finishing.
     */
    private record Phases(int directoryFirstResources, double directoryFirstSeconds, int windowResources,
            double windowSeconds, int directoryResources, double directorySeconds, double finishSeconds) {
    }

    private static final String PHASES = """
            WITH p AS (SELECT sp.*, sp.resource_type IN ('ServiceRequest', 'Encounter') AS win
                       FROM sync_page sp WHERE sp.sync_run_id = ?),
                 w AS (SELECT MIN(fetched_at) FILTER (WHERE win) AS first_w, MAX(fetched_at) FILTER (WHERE win) AS last_w,
                              MAX(fetched_at) AS last_page FROM p)
            SELECT COALESCE(SUM(p.entries) FILTER (WHERE NOT p.win AND p.fetched_at < w.first_w), 0),
                   COALESCE(EXTRACT(EPOCH FROM MAX(p.fetched_at) FILTER (WHERE NOT p.win AND p.fetched_at < w.first_w)
                                               - MIN(r.started_at)), 0),
                   SUM(p.entries) FILTER (WHERE p.win),
                   EXTRACT(EPOCH FROM MAX(w.last_w) - MIN(r.started_at)),
                   COALESCE(SUM(p.entries) FILTER (WHERE NOT p.win AND p.fetched_at > w.last_w), 0),
                   EXTRACT(EPOCH FROM MAX(w.last_page) - MAX(w.last_w)),
                   EXTRACT(EPOCH FROM MAX(r.finished_at) - MAX(w.last_page))
            FROM p CROSS JOIN w JOIN sync_run r ON r.id = p.sync_run_id
            """;

    private static Sync sync(ConfigurableApplicationContext app, ProcessHandle emrProcess) throws Exception {
        SyncService syncs = app.getBean(SyncService.class);
        CompletableFuture<SyncFinishedEvent> finished = new CompletableFuture<>();
        app.addApplicationListener(event -> {
            if (event instanceof PayloadApplicationEvent<?> payload
                    && payload.getPayload() instanceof SyncFinishedEvent done && done.endpointId().equals(ENDPOINT)) {
                finished.complete(done);
            }
        });
        System.gc();
        long start;
        long end;
        SyncRun run;
        long peak;
        CpuMeter.Sampler cpu = new CpuMeter.Sampler(emrProcess);
        try (cpu; HeapSampler heap = new HeapSampler()) {
            start = System.nanoTime();
            long id = syncs.requestSync(ENDPOINT, SyncService.TRIGGER_API).id();
            finished.get(2, TimeUnit.HOURS);
            end = System.nanoTime();
            run = syncs.run(id).orElseThrow();
            peak = heap.peakBytes();
        }
        System.gc();
        long live = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        if (!SyncRun.SUCCEEDED.equals(run.status())) {
            throw new IllegalStateException("The benchmark sync failed: " + run.error());
        }
        JdbcTemplate sql = app.getBean(JdbcTemplate.class);
        Map<String, Integer> stored = new LinkedHashMap<>();
        for (String table : List.of("referral", "visit", "organization", "practitioner", "practitioner_role",
                "rejected_resource", "referral_conversion")) {
            stored.put(table, sql.queryForObject("SELECT count(*) FROM " + table, Integer.class));
        }
        Phases phases = sql.queryForObject(PHASES, (rs, n) -> new Phases(rs.getInt(1), rs.getDouble(2), rs.getInt(3),
                rs.getDouble(4), rs.getInt(5), rs.getDouble(6), rs.getDouble(7)), run.id());
        long windowsEnd = start + (long) (phases.windowSeconds() * 1e9);
        return new Sync(run, (end - start) / 1e9, peak, HeapSampler.maxHeapBytes(), live, stored, phases,
                cpu.upTo(windowsEnd), cpu.secondsUpTo(windowsEnd));
    }

    /** The limits measured on a sample of the same pages, in the same JVM, right after the sync. */
    private record Baselines(int sampleResources, int samplePages, double fetchOnly, double parseOnly,
            double writeOnly, WholeWrite whole, Cpu cpu) {
    }

    /**
     * CPU time per resource of each stage measured alone, in core-seconds: fetching (the EMR's JVM
     * serving plus this JVM's HTTP client), parsing (this JVM), writing (this JVM and PostgreSQL).
     */
    private record Cpu(double fetch, double parse, double writeJvm, double writePostgres) {

        double total() {
            return fetch + parse + writeJvm + writePostgres;
        }
    }

    private Baselines baselines(ConfigurableApplicationContext app, BenchDatabase db, URI base,
            ProcessHandle emrProcess) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        List<Page> pages = new ArrayList<>();
        CpuMeter.Reading fetchCpu = CpuMeter.read(emrProcess);
        long fetchStart = System.nanoTime();
        // in the order a first sync writes them: visits, then the requests, credited as they are written
        for (String type : List.of("Encounter", "ServiceRequest")) {
            String url = base + type + "?_count=" + PAGE_SIZE;
            for (int i = 0; i < samplePages / 2 && url != null; i++) {
                HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(url))
                        .header("Accept", "application/fhir+json").build(), HttpResponse.BodyHandlers.ofByteArray());
                pages.add(new Page(type, url, response.body()));
                Matcher next = NEXT.matcher(new String(response.body(), 0, Math.min(4000, response.body().length),
                        java.nio.charset.StandardCharsets.UTF_8));
                url = next.find() ? next.group(1) : null;
            }
        }
        double fetchSeconds = (System.nanoTime() - fetchStart) / 1e9;
        fetchCpu = CpuMeter.read(emrProcess).minus(fetchCpu);

        BundlePageParser parser = app.getBean(BundlePageParser.class);
        MappingContext ctx = new MappingContext(ENDPOINT, base, ZoneId.of("America/New_York"), ValidationLevel.LENIENT);
        List<ParsedPage> parsed = new ArrayList<>();
        for (Page page : pages) {
            parsed.add(parser.parse(page.body(), ctx));
        }
        int n = parsed.stream().mapToInt(p -> p.resources().size() + p.rejections().size()).sum();
        CpuMeter.Reading parseCpu = CpuMeter.read(emrProcess);
        double parseOnly = Timing.rate(n, 1, 3, () -> {
            for (Page page : pages) {
                parser.parse(page.body(), ctx);
            }
        });

        parseCpu = CpuMeter.read(emrProcess).minus(parseCpu);
        ResourceWriter writer = app.getBean(ResourceWriter.class);
        ReviewQueue review = app.getBean(ReviewQueue.class);
        IssueLog issues = app.getBean(IssueLog.class);
        TransactionTemplate tx = new TransactionTemplate(app.getBean(PlatformTransactionManager.class));
        JdbcTemplate sql = app.getBean(JdbcTemplate.class);
        long runId = sql.queryForObject("SELECT max(id) FROM sync_run", Long.class);
        CpuMeter.Reading writeCpu = CpuMeter.read(emrProcess);
        double writeOnly = Timing.rate(n, 1, 3, () -> {
            sql.execute("TRUNCATE referral_conversion, visit_based_on, referral, visit, rejected_resource, resource_issue");
            // as a first sync writes: requests credited as written from its copy of the directory
            ResourceWriter.Mode firstSync = new ResourceWriter.Mode(false, new ResourceWriter.Crediting(), false);
            for (int i = 0; i < parsed.size(); i++) {
                writePage(parsed.get(i), pages.get(i).url(), writer, review, issues, tx, runId, firstSync);
            }
        });
        writeCpu = CpuMeter.read(emrProcess).minus(writeCpu);
        // Timing.rate ran each workload 4 times (1 warm-up, 3 measured)
        Cpu cpu = new Cpu((fetchCpu.emr() + fetchCpu.self()) / n, parseCpu.self() / (4.0 * n),
                writeCpu.self() / (4.0 * n), writeCpu.postgres() / (4.0 * n));
        WholeWrite whole = writeEveryPage(http, base, parser, ctx, writer, review, issues, tx, sql, runId);
        return new Baselines(n, pages.size(), n / fetchSeconds, parseOnly, writeOnly, whole, cpu);
    }

    /** One page as the sync writes it, in one transaction: its rows, its rejections, its findings. */
    private static void writePage(ParsedPage page, String url, ResourceWriter writer, ReviewQueue review,
            IssueLog issues, TransactionTemplate tx, long runId, ResourceWriter.Mode mode) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        tx.executeWithoutResult(s -> {
            writer.write(page.resources(), runId, now, mode);
            review.record(ENDPOINT, runId, url, page.rejections(), now);
            review.resolveAccepted(ENDPOINT, page.resources());
            issues.replace(ENDPOINT, runId, page.resources(), page.issues(), now);
        });
    }

    /** Write only over every page of the windows: how many resources, in how many seconds of writing. */
    private record WholeWrite(int resources, int pages, double seconds) {

        double rate() {
            return resources / seconds;
        }
    }

    /**
     * The write-only limit over the whole workload rather than a sample: the tables emptied, every
     * Encounter and ServiceRequest page fetched and parsed again (not timed), and only each page's
     * write transaction timed, so the tables grow from empty to a million rows as in the sync's
     * windows. Statistics are refreshed as the sync refreshes them (after 5,000 rows of a type, then
     * each time they have doubled), outside the timed part.
     */
    private static WholeWrite writeEveryPage(HttpClient http, URI base, BundlePageParser parser, MappingContext ctx,
            ResourceWriter writer, ReviewQueue review, IssueLog issues, TransactionTemplate tx, JdbcTemplate sql,
            long runId) throws Exception {
        sql.execute("TRUNCATE referral_conversion, visit_based_on, referral, visit, rejected_resource, resource_issue");
        ResourceWriter.Mode firstSync = new ResourceWriter.Mode(false, new ResourceWriter.Crediting(), false);
        long writing = 0;
        int resources = 0;
        int pages = 0;
        for (String type : List.of("Encounter", "ServiceRequest")) {
            String url = base + type + "?_count=" + PAGE_SIZE;
            int written = 0;
            int analyzedAt = 0;
            while (url != null) {
                HttpResponse<java.io.InputStream> response = http.send(HttpRequest.newBuilder(URI.create(url))
                        .header("Accept", "application/fhir+json").build(), HttpResponse.BodyHandlers.ofInputStream());
                ParsedPage page;
                try (java.io.InputStream body = response.body()) {
                    page = parser.parse(body, ctx);
                }
                long start = System.nanoTime();
                writePage(page, url, writer, review, issues, tx, runId, firstSync);
                writing += System.nanoTime() - start;
                resources += page.resources().size() + page.rejections().size();
                written += page.resources().size();
                pages++;
                if (written >= Math.max(5_000, 2 * analyzedAt)) {
                    writer.refreshStatistics(List.of(type));
                    analyzedAt = written;
                }
                url = page.nextLink();
            }
        }
        return new WholeWrite(resources, pages, writing / 1e9);
    }

    /** Where the CPU went during the search windows, and the rate the cores allow the stages together. */
    private static String cpu(Sync sync, Baselines b) {
        CpuMeter.Reading w = sync.windowsCpu();
        if (!CpuMeter.available() || w.machineTotal() <= 0 || b.cpu().total() <= 0) {
            return "(CPU time not measured: no /proc on this system.)";
        }
        int cores = Runtime.getRuntime().availableProcessors();
        double bound = cores / b.cpu().total();
        return String.format(Locale.US, """
                **CPU**: during the search windows (the first %.0f s of the sync) the machine's %d cores were
                %.0f%% busy: %.1f core-seconds in the monitor's JVM, %.1f in the EMR's JVM, %.1f in PostgreSQL,
                %.1f other (kernel, processes that ended); %.1f µs of CPU per resource received. Measured alone
                (same baseline runs), each stage costs per resource: fetch %.1f µs (the EMR serving and the
                HTTP client), parse %.1f µs, write %.1f µs (%.1f µs in the monitor's JVM, %.1f µs in
                PostgreSQL): %.1f µs in all, so %d cores can run all three at most at %s, every stage
                overlapped and nothing else running: %.0f%% of the sample's write-only rate.""",
                sync.windowsCpuSeconds(), cores, 100 * w.busyShare(), w.self(), w.emr(), w.postgres(), w.other(),
                1e6 * w.machineBusy() / sync.phases().windowResources(),
                1e6 * b.cpu().fetch(), 1e6 * b.cpu().parse(), 1e6 * (b.cpu().writeJvm() + b.cpu().writePostgres()),
                1e6 * b.cpu().writeJvm(), 1e6 * b.cpu().writePostgres(), 1e6 * b.cpu().total(), cores,
                Timing.perSecond(bound), 100 * bound / b.writeOnly());
    }

    /** A rate, or a dash for a phase that received nothing. */
    private static String rateOrNone(int resources, String rate) {
        return resources == 0 ? "–" : rate;
    }

    private static String report(BenchEmr.Content content, Sync sync, Sync again, Sync relinked, Baselines b) {
        double syncRate = sync.run().resourcesReceived() / sync.seconds();
        double windowRate = sync.phases().windowResources() / sync.phases().windowSeconds();
        double directoryFirstRate = sync.phases().directoryFirstResources()
                / Math.max(0.001, sync.phases().directoryFirstSeconds());
        double directoryRate = sync.phases().directoryResources() / Math.max(0.001, sync.phases().directorySeconds());
        double writeAll = b.whole().rate();
        double limit = Math.min(b.parseOnly(), writeAll);
        double sampleLimit = Math.min(b.parseOnly(), b.writeOnly());
        double serial = 1 / (1 / b.fetchOnly() + 1 / b.parseOnly() + 1 / writeAll);
        String limitName = b.parseOnly() < writeAll ? "parse-only" : "write-only over every page";
        return String.format(Locale.US, """
                ## Ingest (issue 4)

                `java -Xmx512m -jar benchmarks/target/benchmarks.jar ingest` on %s (%d cores, Java %s), %s.
                The EMR: the sandbox FHIR server (WireMock on loopback, its own JVM) holding %,d resources of
                one clinic (%s). The monitor's ingest part, in the benchmark's JVM with a heap of at most
                %,d MB, syncs it once into an empty PostgreSQL database by population search, pages of %d:
                HTTP, parse, lenient validation, mapping, the idempotent writer, then referral sources and
                conversions, watermarks. The baselines are measured right after, in the same JVM: parse only
                and the write-only sample on %d of the same pages (%,d resources; median of 3 runs after 1
                warm-up); write only over every page of the windows (%,d resources in %,d pages fetched and
                parsed again untimed, each page's write transaction timed, the tables emptied first so that
                they grow from empty to full as in the sync).

                | What | Rate | Per resource |
                | --- | ---: | ---: |
                | **Sync, end to end** (%,d resources received in %,d pages, %.1f s) | **%s** | %s |
                | – of which the directory searched first (%,d PractitionerRole, Practitioner, Organization, %.1f s) | %s | %s |
                | – of which search windows (Encounter, ServiceRequest: %,d resources, %.1f s from start) | %s | %s |
                | – of which directory look-ups (%,d Practitioner, PractitionerRole, Organization by id, %.1f s) | %s | %s |
                | – of which finishing (sources, conversions, statistics: %.1f s) | | |
                | Baseline: parse only (bytes in memory → mapped resources, lenient validation) | %s | %s |
                | Baseline: write only over every page (parsed pages → PostgreSQL, the sync's statements per page; %.1f s of writing) | %s | %s |
                | For reference: write only on the sample (%d pages into emptied tables) | %s | %s |
                | For reference: fetch only (HTTP from the loopback EMR, one request at a time) | %s | %s |
                | For reference: fetch, parse and write one after the other, no overlap | %s | %s |

                **The sync runs at %.0f%% of the slower limit (%s)** (target: at least 60%%); its search
                windows alone at %.0f%%. Against the write-only rate of the sample (the limit this benchmark
                used before, a best case: %d pages into nearly empty tables and indexes): %.0f%%,
                the windows %.0f%%.

                %s

                **Peak heap during the sync: %,d MB** of the %,d MB allowed (sampled every 10 ms; used heap,
                garbage included), target: a 1M-resource sync within 512 MB. Live heap after the sync (after a
                full GC): %,d MB, most of it the FHIR validator's definitions (HAPI keeps the R4 core
                definitions, the value sets it has read, and R5 conversions of the definitions it lists or has
                used), a fixed cost whatever the number of resources.

                A sync right after it, the server unchanged (its windows only the overlap, %,d resources
                received again): **%.1f s**, of which finishing %.1f s: only the referrals its changes can
                affect are credited and linked again, none here. The same sync with the endpoint's links
                forgotten, so that every referral is credited and linked again (what a sync cost before
                finishing was made incremental, whenever a new practice, provider or role had arrived):
                %.1f s, of which finishing %.1f s.

                Stored: %s.
                """,
                System.getProperty("os.name"), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), LocalDate.now(ZoneOffset.UTC), content.total(),
                content.countsByType().toString().replaceAll("[{}]", ""),
                sync.maxHeap() / (1024 * 1024), PAGE_SIZE, b.samplePages(), b.sampleResources(),
                b.whole().resources(), b.whole().pages(),
                sync.run().resourcesReceived(), sync.run().pages(), sync.seconds(),
                Timing.perSecond(syncRate), Timing.micros(syncRate),
                sync.phases().directoryFirstResources(), sync.phases().directoryFirstSeconds(),
                rateOrNone(sync.phases().directoryFirstResources(), Timing.perSecond(directoryFirstRate)),
                rateOrNone(sync.phases().directoryFirstResources(), Timing.micros(directoryFirstRate)),
                sync.phases().windowResources(), sync.phases().windowSeconds(),
                Timing.perSecond(windowRate), Timing.micros(windowRate),
                sync.phases().directoryResources(), sync.phases().directorySeconds(),
                rateOrNone(sync.phases().directoryResources(), Timing.perSecond(directoryRate)),
                rateOrNone(sync.phases().directoryResources(), Timing.micros(directoryRate)),
                sync.phases().finishSeconds(),
                Timing.perSecond(b.parseOnly()), Timing.micros(b.parseOnly()),
                b.whole().seconds(), Timing.perSecond(writeAll), Timing.micros(writeAll),
                b.samplePages(), Timing.perSecond(b.writeOnly()), Timing.micros(b.writeOnly()),
                Timing.perSecond(b.fetchOnly()), Timing.micros(b.fetchOnly()),
                Timing.perSecond(serial), Timing.micros(serial),
                100 * syncRate / limit, limitName, 100 * windowRate / limit, b.samplePages(),
                100 * syncRate / sampleLimit, 100 * windowRate / sampleLimit, cpu(sync, b),
                sync.peakHeap() / (1024 * 1024), sync.maxHeap() / (1024 * 1024), sync.liveHeap() / (1024 * 1024),
                again.run().resourcesReceived(), again.seconds(), again.phases().finishSeconds(), relinked.seconds(),
                relinked.phases().finishSeconds(), sync.stored().toString().replaceAll("[{}]", ""));
    }
}
