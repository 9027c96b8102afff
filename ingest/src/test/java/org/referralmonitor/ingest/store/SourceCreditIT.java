package org.referralmonitor.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.referralmonitor.ingest.fhir.MappedResource;
import org.referralmonitor.ingest.fhir.MappedResource.ReferralRow;
import org.referralmonitor.ingest.fhir.MappedResource.RoleRow;
import org.referralmonitor.ingest.fhir.Ref;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Crediting referrals as they are written ({@link SourceCredit}, a first sync that pulled the
 * directory and the visits first) and then, after the sync, only what changed since, stores the
 * same credit as the statements crediting every referral ({@link SourceResolver}). A seeded world
 * of practices, providers, roles and visits is written first; then pages of referrals requested by
 * roles (some never received), providers (with or without an encounter, with one or several active
 * roles), practices, identifier-only and contained references with an NPI, and nobody, with practices,
 * providers, roles and visits arriving or changing between the pages, as directory look-ups after
 * a sync's windows do.
 */
class SourceCreditIT extends SourceWorld {

    private static final String ENDPOINT = "emr-credit";
    private static final OffsetDateTime T0 = OffsetDateTime.of(2026, 1, 5, 8, 0, 0, 0, ZoneOffset.UTC);
    /** As a sync writes: its copy of the directory, its first page of requests, its pages after that. */
    private final ResourceWriter.Crediting crediting = new ResourceWriter.Crediting();
    private final ResourceWriter.Mode firstPage = new ResourceWriter.Mode(false, crediting, false);
    private final ResourceWriter.Mode laterPages = new ResourceWriter.Mode(false, crediting, true);


    SourceCreditIT() {
        super(ENDPOINT, T0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"PostgreSQL", "H2"})
    void creditingAtInsertThenWhatChangedEqualsCreditingEveryReferral(String database) {
        NamedParameterJdbcTemplate jdbc = database(database);
        ResourceWriter writer = new ResourceWriter(jdbc);
        SourceResolver resolver = new SourceResolver(jdbc);
        rng = new SplittableRandom(Long.getLong("credit.seed", 20261203));
        assertThat(resolver.holdsReferrals(ENDPOINT)).isFalse();

        List<MappedResource> directory = new ArrayList<>(world(12, 20, 30, 30, this::role));
        writer.write(directory, 1, T0, ResourceWriter.Mode.PLAIN);

        int received = 0;
        int credited = 0;
        for (int page = 0; page < 10; page++) {
            List<MappedResource> referrals = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                referrals.add(referral("sr" + page + "-" + i));
            }
            WriteResult written = writer.write(referrals, 1, T0, page == 0 ? firstPage : laterPages);
            received += referrals.size();
            credited += written.credited();
            if (page == 0) {
                assertThat(jdbc.getJdbcTemplate().queryForObject(
                        "SELECT COUNT(*) FROM referral WHERE source_resolution IS NULL", Integer.class))
                        .as("every referral of the first page is credited as it is written").isZero();
            }
            writer.write(changes("p" + page), 1, T0, laterPages);
        }
        assertThat(credited).isEqualTo(received);

        int again = resolver.resolve(ENDPOINT, false);
        Map<String, String> atInsert = credits(jdbc);
        assertThat(resolver.resolve(ENDPOINT, true)).isEqualTo(received);
        assertThat(atInsert).as("credit at insert and after what changed = credit of every referral")
                .isEqualTo(credits(jdbc));
        assertThat(again).as("finishing credits again only what the later changes touched (a small world: many)")
                .isPositive().isLessThan(received);
        assertThat(jdbc.getJdbcTemplate().queryForList("SELECT DISTINCT source_resolution FROM referral", String.class))
                .as("every path is taken").contains("ROLE", "PRACTITIONER_ENCOUNTER", "PRACTITIONER_SINGLE_ROLE",
                        "PRACTITIONER_ONLY", "ORGANIZATION", "IDENTIFIER", "CONTAINED", "UNRESOLVED");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"PostgreSQL", "H2"})
    void creditAtInsertIsWhatTheStatementsCredit(String database) {
        NamedParameterJdbcTemplate jdbc = database(database);
        ResourceWriter writer = new ResourceWriter(jdbc);
        rng = new SplittableRandom(Long.getLong("credit.seed", 20261203) + 1);
        List<MappedResource> directory = new ArrayList<>(world(15, 25, 50, 30, this::role));
        writer.write(directory, 1, T0, ResourceWriter.Mode.PLAIN);
        List<MappedResource> referrals = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            referrals.add(referral("sr" + i));
        }
        for (int from = 0; from < referrals.size(); from += 100) {
            writer.write(referrals.subList(from, from + 100), 1, T0, firstPage);
        }
        Map<String, String> atInsert = credits(jdbc);
        // a directory too large to copy is read page by page: the same credit
        List<ReferralRow> rows = referrals.stream().map(ReferralRow.class::cast).toList();
        assertThat(new SourceCredit(jdbc).credit(ENDPOINT, rows)).as("per page = from the copy")
                .isEqualTo(new SourceCredit(jdbc).credit(ENDPOINT, rows, new ResourceWriter.Crediting()));

        assertThat(new SourceResolver(jdbc).resolve(ENDPOINT, true)).isEqualTo(referrals.size());
        assertThat(atInsert).as("credit at insert = credit by the statements").isEqualTo(credits(jdbc));
        assertThat(jdbc.getJdbcTemplate().queryForList("SELECT DISTINCT source_resolution FROM referral", String.class))
                .as("every path is taken").contains("ROLE", "PRACTITIONER_ENCOUNTER", "PRACTITIONER_SINGLE_ROLE",
                        "PRACTITIONER_ONLY", "ORGANIZATION", "IDENTIFIER", "CONTAINED", "UNRESOLVED");
    }

    private static NamedParameterJdbcTemplate database(String product) {
        return "H2".equals(product) ? StoreDatabase.createH2(ENDPOINT, T0) : StoreDatabase.create(ENDPOINT, T0);
    }


    private ReferralRow referral(String id) {
        int v = ++version;
        LocalDate day = LocalDate.of(2025, 3, 1).plusDays(rng.nextInt(100));
        BiFunction<String, String, Ref> local = (type, ref) -> new Ref(type, ref, null,
                rng.nextBoolean() ? Ref.Form.RELATIVE : Ref.Form.ABSOLUTE);
        int kind = rng.nextInt(14);
        Ref requester;
        if (kind < 4) {
            List<String> ids = new ArrayList<>(roles.keySet());
            requester = local.apply("PractitionerRole", rng.nextInt(10) == 0 ? "role-not-received"
                    : ids.get(rng.nextInt(ids.size())));
        } else if (kind < 8) {
            requester = local.apply("Practitioner", practitioners.get(rng.nextInt(practitioners.size())));
        } else if (kind < 9) {
            requester = local.apply("Organization", organizations.get(rng.nextInt(organizations.size())));
        } else if (kind < 10) {
            requester = new Ref("Practitioner", null, "1234567893", Ref.Form.IDENTIFIER);
        } else if (kind < 11) {
            requester = new Ref("Organization", null, "1234567893", Ref.Form.CONTAINED);
        } else if (kind < 12) {
            requester = new Ref("PractitionerRole", "role-x", null, Ref.Form.FOREIGN);
        } else {
            requester = rng.nextBoolean() ? Ref.NONE : new Ref("Practitioner", null, null, Ref.Form.DISPLAY);
        }
        String encounter = kind >= 4 && kind < 7 ? "enc" + rng.nextInt(40) : null;
        return new ReferralRow(ENDPOINT, id, String.valueOf(v), T0.plusSeconds(v), "active", "order",
                day.atStartOfDay().atOffset(ZoneOffset.UTC), day, "patient", requester, Ref.NONE, encounter, true,
                "test-rule", "hash-" + v, "{}", null);
    }
}
