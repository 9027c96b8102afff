package org.referralmonitor.ingest.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.fhir.MappedResource;
import org.referralmonitor.ingest.fhir.MappedResource.ReferralRow;
import org.referralmonitor.ingest.fhir.MappedResource.RoleRow;
import org.referralmonitor.ingest.fhir.MappedResource.VisitRow;
import org.referralmonitor.ingest.fhir.Ref;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * An incremental sync looks for the directory resources that only what it wrote points at (the
 * change scope): the gaps its referrals, visits and roles open, none of those left by earlier
 * syncs, which a look among every row finds (a first sync, a reconciliation, or the first sync once
 * directory-recheck has passed: {@code IncrementalSyncIT}).
 */
class DirectoryGapsIT {

    private static final String ENDPOINT = "emr-gaps";
    private static final OffsetDateTime T0 = OffsetDateTime.of(2026, 4, 1, 8, 0, 0, 0, ZoneOffset.UTC);
    private int version;

    @Test
    void anIncrementalSyncLooksOnlyAmongWhatItWrote() {
        NamedParameterJdbcTemplate jdbc = StoreDatabase.create(ENDPOINT, T0);
        ResourceWriter writer = new ResourceWriter(jdbc);
        DirectoryGaps gaps = new DirectoryGaps(jdbc);

        // the first sync: no change scope, every row is looked at
        writer.write(List.of(referral("sr1", "PractitionerRole", "role-old"), referral("sr2", "Practitioner", "pr-old"),
                referral("sr3", "Organization", "org-old"), visit("enc1", "org-visit-old"),
                role("role-known", "pr-of-role-old", "org-of-role-old")), 1, T0, false);
        assertThat(all(gaps, false)).containsExactly(List.of("role-old"), List.of("pr-of-role-old", "pr-old"),
                List.of("org-of-role-old", "org-old", "org-visit-old"), List.of("pr-old"));
        assertThat(all(gaps, true)).as("nothing recorded yet").allSatisfy(ids -> assertThat(ids).isEmpty());

        // a later sync, recording what it changes: a referral changes requester, new rows arrive
        writer.write(List.of(referral("sr1", "PractitionerRole", "role-new"), referral("sr4", "Practitioner", "pr-new"),
                referral("sr5", "Organization", "org-new"), visit("enc2", "org-visit-new"),
                role("role-known-2", "pr-of-role-new", "org-of-role-new")), 2, T0, true);
        assertThat(all(gaps, true)).as("what the later sync wrote points at")
                .containsExactly(List.of("role-new"), List.of("pr-new", "pr-of-role-new"),
                        List.of("org-new", "org-of-role-new", "org-visit-new"), List.of("pr-new"));
        assertThat(all(gaps, false)).as("every row: the earlier gaps too (role-old is no longer asked for)")
                .containsExactly(List.of("role-new"), List.of("pr-new", "pr-of-role-new", "pr-of-role-old", "pr-old"),
                        List.of("org-new", "org-of-role-new", "org-of-role-old", "org-old", "org-visit-new",
                                "org-visit-old"), List.of("pr-new", "pr-old"));

        // a visit changing only its status opens no gap and is not looked at again
        new ChangeScope(jdbc).clear(ENDPOINT);
        writer.write(List.<MappedResource>of(visit("enc1", "org-visit-old")), 3, T0, true);
        assertThat(all(gaps, true)).allSatisfy(ids -> assertThat(ids).isEmpty());
    }

    /** Missing roles, practitioners, organizations, and practitioners without roles. */
    private static List<List<String>> all(DirectoryGaps gaps, boolean changedOnly) {
        return List.of(gaps.missingRoles(ENDPOINT, changedOnly), gaps.missingPractitioners(ENDPOINT, changedOnly),
                gaps.missingOrganizations(ENDPOINT, changedOnly), gaps.practitionersWithoutRoles(ENDPOINT, changedOnly));
    }

    private ReferralRow referral(String id, String requesterType, String requesterId) {
        int v = ++version;
        LocalDate day = LocalDate.of(2026, 3, 10);
        return new ReferralRow(ENDPOINT, id, String.valueOf(v), T0.plusSeconds(v), "active", "order",
                day.atStartOfDay().atOffset(ZoneOffset.UTC), day, "patient-" + id,
                new Ref(requesterType, requesterId, null, Ref.Form.RELATIVE), Ref.NONE, null, true, "test-rule",
                "hash-" + v, "{}", null);
    }

    private VisitRow visit(String id, String provider) {
        int v = ++version;
        LocalDate day = LocalDate.of(2026, 3, 20);
        return new VisitRow(ENDPOINT, id, String.valueOf(v), T0.plusSeconds(v), v % 2 == 0 ? "finished" : "cancelled",
                "AMB", "patient-" + id, day.atTime(9, 0).atOffset(ZoneOffset.UTC), day, provider, List.of(), "hash-" + v,
                "{}");
    }

    private RoleRow role(String id, String practitioner, String organization) {
        int v = ++version;
        return new RoleRow(ENDPOINT, id, String.valueOf(v), T0.plusSeconds(v), practitioner, organization, true,
                "hash-" + v);
    }
}
