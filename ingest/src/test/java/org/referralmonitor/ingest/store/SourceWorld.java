package org.referralmonitor.ingest.store;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.referralmonitor.ingest.fhir.MappedResource;
import org.referralmonitor.ingest.fhir.MappedResource.DirectoryRow;
import org.referralmonitor.ingest.fhir.MappedResource.RoleRow;
import org.referralmonitor.ingest.fhir.MappedResource.VisitRow;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * A seeded world of practices, providers, roles and visits for the crediting tests
 * ({@link SourceResolverIT}, {@link SourceCreditIT}): each row a new version, keys by NPI or by id at
 * random, visits with a practice or none; and the credit each referral holds.
 */
abstract class SourceWorld {

    final String endpoint;
    final OffsetDateTime t0;
    SplittableRandom rng;
    final List<String> organizations = new ArrayList<>();
    final List<String> practitioners = new ArrayList<>();
    final Map<String, RoleRow> roles = new LinkedHashMap<>();
    int version;

    SourceWorld(String endpoint, OffsetDateTime t0) {
        this.endpoint = endpoint;
        this.t0 = t0;
    }

    /**
     * Practices org0.., providers pr0.., roles role0.. (each made by {@code role}) and visits enc0..,
     * in that order, to be written first.
     */
    List<MappedResource> world(int organizationCount, int practitionerCount, int roleCount, int visitCount,
            Function<String, RoleRow> role) {
        List<MappedResource> rows = new ArrayList<>();
        for (int i = 0; i < organizationCount; i++) {
            organizations.add("org" + i);
            rows.add(directory("Organization", "org" + i));
        }
        for (int i = 0; i < practitionerCount; i++) {
            practitioners.add("pr" + i);
            rows.add(directory("Practitioner", "pr" + i));
        }
        for (int i = 0; i < roleCount; i++) {
            rows.add(role.apply("role" + i));
        }
        for (int i = 0; i < visitCount; i++) {
            rows.add(visit("enc" + i));
        }
        return rows;
    }

    DirectoryRow directory(String type, String id) {
        int v = ++version;
        String key = rng.nextBoolean() ? "npi:" + (1000000000L + rng.nextInt(5)) : endpoint + "/" + type + "/" + id;
        return new DirectoryRow(type, endpoint, id, String.valueOf(v), t0.plusSeconds(v), id, null, true, key,
                "hash-" + v);
    }

    /** A role (kept in {@link #roles}) of this provider at this practice. */
    RoleRow role(String id, String practitioner, String organization, Boolean active) {
        int v = ++version;
        RoleRow row = new RoleRow(endpoint, id, String.valueOf(v), t0.plusSeconds(v), practitioner, organization,
                active, "hash-" + v);
        roles.put(id, row);
        return row;
    }

    /** A role with no provider or no practice now and then, and active, inactive or not saying. */
    RoleRow role(String id) {
        return role(id, rng.nextInt(10) == 0 ? null : practitioners.get(rng.nextInt(practitioners.size())),
                rng.nextInt(10) == 0 ? null : organizations.get(rng.nextInt(organizations.size())),
                rng.nextInt(6) == 0 ? Boolean.FALSE : rng.nextBoolean() ? Boolean.TRUE : null);
    }

    /**
     * Three changes, as between two pages or syncs: practices and providers change keys, roles move,
     * appear, end or are named without being received, practices appear, visits arrive or move.
     */
    List<MappedResource> changes(String tag) {
        List<MappedResource> changes = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            int what = rng.nextInt(7);
            if (what == 0) {
                changes.add(directory("Organization", organizations.get(rng.nextInt(organizations.size()))));
            } else if (what == 1) {
                changes.add(directory("Practitioner", practitioners.get(rng.nextInt(practitioners.size()))));
            } else if (what == 2) {
                List<String> ids = new ArrayList<>(roles.keySet());
                changes.add(role(ids.get(rng.nextInt(ids.size()))));
            } else if (what == 3) {
                changes.add(role(rng.nextBoolean() ? "role-late-" + tag + "-" + k : "role-not-received"));
            } else if (what == 4) {
                String id = "org-late-" + tag + "-" + k;
                organizations.add(id);
                changes.add(directory("Organization", id));
            } else {
                changes.add(visit("enc" + rng.nextInt(40))); // enc30 to enc39 arrive late; others move
            }
        }
        return changes;
    }

    VisitRow visit(String id) {
        int v = ++version;
        LocalDate day = LocalDate.of(2025, 3, 1).plusDays(rng.nextInt(100));
        return new VisitRow(endpoint, id, String.valueOf(v), t0.plusSeconds(v), "finished", "AMB", "patient",
                day.atTime(9, 0).atOffset(ZoneOffset.UTC), day,
                rng.nextInt(4) == 0 ? null : organizations.get(rng.nextInt(organizations.size())), List.of(),
                "hash-" + v, "{}");
    }

    /** Each referral's credit: resolution, practice key, provider key. */
    Map<String, String> credits(NamedParameterJdbcTemplate jdbc) {
        Map<String, String> credits = new LinkedHashMap<>();
        jdbc.getJdbcTemplate().query("""
                SELECT resource_id, source_resolution, source_org_key, source_practitioner_key FROM referral
                WHERE endpoint_id = ? ORDER BY resource_id
                """, rs -> {
            credits.put(rs.getString(1), rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4));
        }, endpoint);
        return credits;
    }
}
