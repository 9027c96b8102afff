package org.referralmonitor.benchmarks;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.ingest.endpoint.ValidationLevel;
import org.referralmonitor.ingest.fhir.BundlePageParser;
import org.referralmonitor.ingest.fhir.MappedResource;
import org.referralmonitor.ingest.fhir.MappingContext;
import org.referralmonitor.ingest.fhir.ParsedPage;
import org.referralmonitor.ingest.fhir.PatientPseudonymizer;
import org.referralmonitor.ingest.fhir.ReferralClassifier;
import org.referralmonitor.ingest.fhir.ResourceMapper;
import org.referralmonitor.ingest.sandbox.SandboxSpec;
import org.referralmonitor.ingest.sandbox.SandboxWorld;
import org.referralmonitor.ingest.sandbox.SandboxWorldGenerator;
import org.referralmonitor.ingest.store.IssueLog;
import org.referralmonitor.ingest.store.ResourceWriter;
import org.referralmonitor.ingest.store.ReviewQueue;
import org.referralmonitor.profiles.conformance.FhirPackage;
import org.referralmonitor.profiles.conformance.FhirValidation;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Issue 5: what validation costs, and whether it holds ingest up. On the sandbox world (about
 * 22,000 resources at scale 1), in one run: reading pages without validation (the baseline),
 * writing them to PostgreSQL, the whole page pipeline with validation off and lenient, and the
 * validator alone with and without its shape cache, single-threaded and on 2 threads.
 */
final class ValidationBenchmark {

    private static final int PAGE = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final double scale;

    ValidationBenchmark(double scale) {
        this.scale = scale;
    }

    /** One page of one clinic's EMR, ready to be read. */
    private record Page(String endpoint, byte[] body, int resources) {
    }

    String run() throws Exception {
        FhirContext fhir = FhirContext.forR4Cached();
        int practices = Math.max(4, (int) Math.round(30 * scale));
        SandboxWorld world = new SandboxWorldGenerator(fhir)
                .generate(SandboxSpec.demo(20261123, LocalDate.of(2026, 11, 23), 24, practices));
        List<Page> pages = new ArrayList<>();
        List<ObjectNode> nodes = new ArrayList<>();
        for (SandboxWorld.Clinic clinic : world.clinics()) {
            List<SandboxWorld.Resource> resources = clinic.resources();
            for (int i = 0; i < resources.size(); i += PAGE) {
                List<SandboxWorld.Resource> slice = resources.subList(i, Math.min(resources.size(), i + PAGE));
                StringBuilder bundle = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[");
                for (int j = 0; j < slice.size(); j++) {
                    bundle.append(j == 0 ? "" : ",").append("{\"resource\":").append(slice.get(j).json()).append('}');
                    nodes.add((ObjectNode) JSON.readTree(slice.get(j).json()));
                }
                pages.add(new Page("bench-" + clinic.id(), bundle.append("]}").toString().getBytes(StandardCharsets.UTF_8),
                        slice.size()));
            }
        }
        int n = nodes.size();

        IngestProperties properties = new IngestProperties(List.of(), List.of(), false, "-",
                "benchmark-pseudonym-key-not-a-secret-0123456789", null, null, null, null, null, null);
        ResourceMapper mapper = new ResourceMapper(new PatientPseudonymizer(properties), new ReferralClassifier(), new org.referralmonitor.ingest.fhir.ResourceSanitizer());
        FhirValidation validation = FhirValidation.shared(fhir, 20_000);
        validation.warmUp();
        BundlePageParser parser = new BundlePageParser(fhir, mapper, validation);
        URI base = URI.create("http://127.0.0.1/fhir/");

        // 1. baseline: read pages (Jackson, HAPI, mapping), no validation
        double parseOnly = Timing.rate(n, 2, 5, () -> {
            for (Page p : pages) {
                parser.parse(p.body(), ctx(p, base, ValidationLevel.OFF));
            }
        });
        // 2. read and validate (lenient), shape cache warm
        double parseValidate = Timing.rate(n, 2, 5, () -> {
            for (Page p : pages) {
                parser.parse(p.body(), ctx(p, base, ValidationLevel.LENIENT));
            }
        });

        // 3. the validator alone: shapes, cached, 1 and 2 threads
        FhirValidation cold = FhirValidation.create(fhir, FhirPackage.fromClasspath(fhir), 100_000);
        nodes.forEach(cold::validate);
        long shapes = cold.cacheStats().missCount();
        double cached1 = Timing.rate(n, 1, 3, () -> nodes.forEach(validation::validate));
        double cached2 = Timing.rate(n, 1, 3, () -> parallel(2, nodes, validation::validate));

        // 4. the validator alone without the cache: HAPI's FhirInstanceValidator on every resource
        FhirValidation uncached = FhirValidation.create(fhir, FhirPackage.fromClasspath(fhir), 0);
        List<ObjectNode> sample = new ArrayList<>();
        for (int i = 0; i < n && sample.size() < 600; i += Math.max(1, n / 600)) {
            sample.add(nodes.get(i));
        }
        double raw1 = Timing.rate(sample.size(), 1, 3, () -> sample.forEach(uncached::validate));
        double raw2 = Timing.rate(sample.size(), 1, 3, () -> parallel(2, sample, uncached::validate));

        // 5. and 6. into PostgreSQL: write only, then the page pipeline with validation off and lenient
        double writeOnly;
        double pipelineOff;
        double pipelineLenient;
        try (BenchDatabase db = new BenchDatabase()) {
            JdbcTemplate sql = new JdbcTemplate(db.dataSource());
            NamedParameterJdbcTemplate named = new NamedParameterJdbcTemplate(sql);
            TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(db.dataSource()));
            sql.update("INSERT INTO clinic (id, name, time_zone, updated_at) VALUES ('bench', 'Bench', 'UTC', now())");
            for (SandboxWorld.Clinic clinic : world.clinics()) {
                sql.update("INSERT INTO emr_endpoint (id, clinic_id, name, base_url, page_size, schedule, enabled, origin,"
                        + " updated_at) VALUES (?, 'bench', ?, 'http://127.0.0.1/fhir/', 200, '-', TRUE, 'API', now())",
                        "bench-" + clinic.id(), clinic.name());
            }
            sql.update("INSERT INTO sync_run (endpoint_id, trigger_kind, status, requested_at) "
                    + "VALUES (?, 'API', 'RUNNING', now())", pages.get(0).endpoint());
            ResourceWriter writer = new ResourceWriter(named);
            ReviewQueue review = new ReviewQueue(named);
            IssueLog issues = new IssueLog(named);
            List<ParsedPage> parsed = new ArrayList<>();
            for (Page p : pages) {
                parsed.add(parser.parse(p.body(), ctx(p, base, ValidationLevel.OFF)));
            }
            Runnable empty = () -> sql.execute("TRUNCATE referral, visit_based_on, visit, organization, practitioner, "
                    + "practitioner_role, rejected_resource, resource_issue");
            writeOnly = rateWithReset(n, empty, () -> {
                for (int i = 0; i < pages.size(); i++) {
                    ParsedPage page = parsed.get(i);
                    tx.executeWithoutResult(s -> writer.write(page.resources(), 1, now()));
                }
            });
            pipelineOff = rateWithReset(n, empty, () -> pipeline(pages, parser, base, ValidationLevel.OFF, tx, writer,
                    review, issues));
            pipelineLenient = rateWithReset(n, empty, () -> pipeline(pages, parser, base, ValidationLevel.LENIENT, tx,
                    writer, review, issues));
        }

        double validationShare = 1 - pipelineLenient / pipelineOff;
        return String.format(Locale.US, """
                ## Validation (issue 5)

                `java -Xmx512m -jar benchmarks/target/benchmarks.jar validation` on %s (%d cores, Java %s),
                %s. Workload: the sandbox world, %,d resources (ServiceRequest, Encounter, Practitioner,
                PractitionerRole, Organization) in pages of %d; median of 5 runs after 2 warm-ups (3 after 1
                for the validator alone). Every figure comes from the same run.

                | What | Rate | Per resource |
                | --- | ---: | ---: |
                | Baseline: read pages, no validation (Jackson + HAPI parse + mapping) | %s | %s |
                | Read pages with lenient validation (shape cache warm) | %s | %s |
                | Validator alone, shape cache warm, 1 thread | %s | %s |
                | Validator alone, shape cache warm, 2 threads | %s | %s |
                | Validator alone, no cache (HAPI FhirInstanceValidator every time), 1 thread | %s | %s |
                | Validator alone, no cache, 2 threads | %s | %s |
                | Baseline: write pages to PostgreSQL (upserts), no reading | %s | %s |
                | Page pipeline into PostgreSQL, validation off | %s | %s |
                | Page pipeline into PostgreSQL, validation lenient | %s | %s |

                The %,d resources have %,d distinct validation shapes: the validator ran %,d times (%.1f%%).
                **Validation takes %.0f%% of page-pipeline time** (target: at most 30%%): without the shape
                cache it would cost %.0f times the whole pipeline. HTTP is not included here; the end-to-end
                sync benchmark of issue 4 adds it.
                """,
                System.getProperty("os.name"), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                LocalDate.now(ZoneOffset.UTC), n, PAGE,
                Timing.perSecond(parseOnly), Timing.micros(parseOnly),
                Timing.perSecond(parseValidate), Timing.micros(parseValidate),
                Timing.perSecond(cached1), Timing.micros(cached1),
                Timing.perSecond(cached2), Timing.micros(cached2),
                Timing.perSecond(raw1), Timing.micros(raw1),
                Timing.perSecond(raw2), Timing.micros(raw2),
                Timing.perSecond(writeOnly), Timing.micros(writeOnly),
                Timing.perSecond(pipelineOff), Timing.micros(pipelineOff),
                Timing.perSecond(pipelineLenient), Timing.micros(pipelineLenient),
                n, shapes, shapes, 100.0 * shapes / n,
                100 * validationShare, pipelineOff / raw1);
    }

    private static void pipeline(List<Page> pages, BundlePageParser parser, URI base, ValidationLevel level,
            TransactionTemplate tx, ResourceWriter writer, ReviewQueue review, IssueLog issues) throws Exception {
        for (Page p : pages) {
            ParsedPage page = parser.parse(p.body(), ctx(p, base, level));
            OffsetDateTime now = now();
            tx.executeWithoutResult(s -> {
                writer.write(page.resources(), 1, now);
                review.record(p.endpoint(), 1, "bench", page.rejections(), now);
                issues.replace(p.endpoint(), 1, page.resources(), page.issues(), now);
            });
        }
    }

    private static double rateWithReset(int n, Runnable reset, Timing.Workload workload) throws Exception {
        return Timing.rate(n, 1, 3, () -> {
            reset.run();
            workload.run();
        });
    }

    private static MappingContext ctx(Page page, URI base, ValidationLevel level) {
        return new MappingContext(page.endpoint(), base, ZoneOffset.UTC, level);
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    private static void parallel(int threads, List<ObjectNode> nodes, Consumer<ObjectNode> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> parts = new ArrayList<>();
            int size = (nodes.size() + threads - 1) / threads;
            for (int t = 0; t < threads; t++) {
                List<ObjectNode> part = nodes.subList(Math.min(nodes.size(), t * size), Math.min(nodes.size(), (t + 1) * size));
                parts.add(pool.submit(() -> part.forEach(work)));
            }
            for (Future<?> part : parts) {
                part.get();
            }
        } finally {
            pool.shutdown();
        }
    }
}
