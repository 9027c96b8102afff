package org.referralmonitor.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.fhir.MappedResource;
import org.referralmonitor.ingest.fhir.MappedResource.ReferralRow;
import org.referralmonitor.ingest.fhir.MappedResource.RoleRow;
import org.referralmonitor.ingest.fhir.Ref;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * Crediting again only what a directory change can touch gives what crediting every referral gives.
 * A seeded world of practices, providers and roles with referrals requested by roles, providers
 * (credited through their encounter or their single active role) and practices is credited once;
 * then, round after round, practices and providers change their keys (an NPI found or corrected),
 * roles move to another provider or practice, end or appear, new ones arrive, and the encounters
 * referrals were made during arrive or move to another practice; each round is
 * credited from the recorded changes, and must equal crediting every referral of the same data.
 */
class SourceResolverIT extends SourceWorld {

    private static final String ENDPOINT = "emr-sources";
    private static final OffsetDateTime T0 = OffsetDateTime.of(2026, 1, 5, 8, 0, 0, 0, ZoneOffset.UTC);

    private NamedParameterJdbcTemplate jdbc;
    private ResourceWriter writer;
    private SourceResolver resolver;
    private long run;

    SourceResolverIT() {
        super(ENDPOINT, T0);
    }

    @BeforeEach
    void database() {
        jdbc = StoreDatabase.create(ENDPOINT, T0);
        writer = new ResourceWriter(jdbc);
        resolver = new SourceResolver(jdbc);
        rng = new SplittableRandom(Long.getLong("sources.seed", 20261202));
    }

    @Test
    void creditingWhatTheDirectoryChangesTouchEqualsCreditingEveryReferral() {
        List<MappedResource> first = new ArrayList<>(world(12, 20, 25, 30, this::role));
        for (int i = 0; i < 200; i++) {
            first.add(referral("sr" + i));
        }
        writer.write(first, ++run, T0, false);
        int all = resolver.resolve(ENDPOINT, true);
        assertThat(all).isEqualTo(200);
        assertThat(jdbc.getJdbcTemplate().queryForList("SELECT DISTINCT source_resolution FROM referral", String.class))
                .as("every path of the resolver is taken").contains("ROLE", "PRACTITIONER_ENCOUNTER",
                        "PRACTITIONER_SINGLE_ROLE", "PRACTITIONER_ONLY", "ORGANIZATION", "UNRESOLVED");

        int touchedAtMost = 0;
        for (int round = 1; round <= 12; round++) {
            List<MappedResource> page = changes("r" + round);
            writer.write(page, ++run, T0.plusDays(round), true);
            int touched = resolver.resolve(ENDPOINT, false);
            new ChangeScope(jdbc).clear(ENDPOINT);
            Map<String, String> scoped = credits(jdbc);

            resolver.resolve(ENDPOINT, true);
            assertThat(scoped).as("round %d: crediting what changed equals crediting everything", round)
                    .isEqualTo(credits(jdbc));
            assertThat(touched).as("round %d credits only what its changes touch", round).isLessThan(all);
            touchedAtMost = Math.max(touchedAtMost, touched);
        }
        assertThat(touchedAtMost).as("the rounds touched credited referrals at all").isPositive();
    }

    @Test
    void nothingChangedCreditsNothingAgain() {
        List<MappedResource> first = new ArrayList<>(List.of(directory("Organization", "org0"),
                directory("Practitioner", "pr0")));
        organizations.add("org0");
        practitioners.add("pr0");
        first.add(role("role0"));
        for (int i = 0; i < 20; i++) {
            first.add(referral("sr" + i));
        }
        writer.write(first, ++run, T0, false);
        assertThat(resolver.resolve(ENDPOINT, true)).isEqualTo(20);
        writer.write(List.of(referral("sr-new")), ++run, T0.plusDays(1), true);
        assertThat(resolver.resolve(ENDPOINT, false)).as("only the new referral").isEqualTo(1);
    }

    /** A referral requested by a role, a provider (with or without an encounter), a practice, or nobody known. */
    private ReferralRow referral(String id) {
        int v = ++version;
        LocalDate day = LocalDate.of(2025, 3, 1).plusDays(rng.nextInt(100));
        int kind = rng.nextInt(10);
        Ref requester;
        if (kind < 4) {
            List<String> ids = new ArrayList<>(roles.keySet());
            requester = new Ref("PractitionerRole", rng.nextInt(12) == 0 ? "role-not-received"
                    : ids.get(rng.nextInt(ids.size())), null, Ref.Form.RELATIVE);
        } else if (kind < 8) {
            requester = new Ref("Practitioner", practitioners.get(rng.nextInt(practitioners.size())), null,
                    Ref.Form.RELATIVE);
        } else if (kind < 9) {
            requester = new Ref("Organization", organizations.get(rng.nextInt(organizations.size())), null,
                    Ref.Form.RELATIVE);
        } else {
            requester = Ref.NONE;
        }
        // encounters enc30 to enc39 arrive later
        String encounter = kind >= 4 && kind < 7 ? "enc" + rng.nextInt(40) : null;
        return new ReferralRow(ENDPOINT, id, String.valueOf(v), T0.plusSeconds(v), "active", "order",
                day.atStartOfDay().atOffset(ZoneOffset.UTC), day, "patient", requester, Ref.NONE, encounter, true,
                "test-rule", "hash-" + v, "{}", null);
    }
}
