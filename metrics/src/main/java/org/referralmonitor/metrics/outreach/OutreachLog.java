package org.referralmonitor.metrics.outreach;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.referralmonitor.ingest.endpoint.Clinic;
import org.referralmonitor.ingest.endpoint.EndpointDirectory;
import org.referralmonitor.metrics.alert.Alert;
import org.referralmonitor.metrics.alert.Alerts;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What referral coordinators do about their sources: log a contact with a practice or one of its
 * referring providers (answering an
 * alert acknowledges it), keep a cadence per practice, and list the practices that should hear from
 * the clinic now. Only structured fields are kept, no notes: free text is where patient details
 * would end up.
 */
@Service
public class OutreachLog {

    /** How the practice was contacted, in the order forms offer them. */
    public static final List<String> CHANNELS = List.of("CALL", "VISIT", "EMAIL", "LETTER", "EVENT");
    /** What it was about. */
    public static final List<String> TOPICS = List.of("VOLUME", "QUALITY", "SCHEDULING", "FEEDBACK", "RELATIONSHIP");
    /** How it went. */
    public static final List<String> OUTCOMES = List.of("REACHED", "MESSAGE_LEFT", "NOT_REACHED", "MEETING_BOOKED");
    /** Cadences a practice can be given, in days (the table's check says the same). */
    public static final int MIN_CADENCE_DAYS = 7;
    public static final int MAX_CADENCE_DAYS = 366;
    /** How far back a contact can be logged (a typed year is more often a typo than history). */
    public static final int MAX_YEARS_BACK = 5;

    private static final String SELECT = """
            SELECT o.*, (SELECT MAX(n.name) FROM organization n WHERE n.source_key = o.org_key) AS source_name,
                   (SELECT MAX(p.name) FROM practitioner p WHERE p.source_key = o.practitioner_key) AS provider_name
            FROM outreach o
            """;

    private final JdbcClient jdbc;
    private final EndpointDirectory directory;
    private final Alerts alerts;
    private final Clock clock;

    OutreachLog(JdbcClient jdbc, EndpointDirectory directory, Alerts alerts, Optional<Clock> clock) {
        this.jdbc = jdbc;
        this.directory = directory;
        this.alerts = alerts;
        this.clock = clock.orElse(Clock.systemUTC());
    }

    /**
     * Keeps a contact with a practice. When it answers an open alert, the alert is acknowledged.
     *
     * @throws InvalidOutreachException when a field is missing or not one of the known values, the day
     *     is in the future, the practice has no figures at the clinic, or the alert is another's
     */
    @Transactional
    public Outreach log(String clinicId, NewOutreach contact, String user) {
        Clinic clinic = clinic(clinicId);
        String org = knownSource(clinic, contact.orgKey());
        LocalDate today = today(clinic);
        LocalDate day = contact.contactedOn() == null ? today : contact.contactedOn();
        if (day.isAfter(today)) {
            throw new InvalidOutreachException("contactedOn " + day + " is in the future: today is " + today + " at "
                    + clinic.name() + " (" + clinic.timeZone() + ")");
        }
        if (day.isBefore(today.minusYears(MAX_YEARS_BACK))) {
            throw new InvalidOutreachException("contactedOn " + day + " is more than " + MAX_YEARS_BACK
                    + " years ago: today is " + today + " at " + clinic.name());
        }
        String channel = oneOf("channel", contact.channel(), CHANNELS);
        String topic = oneOf("topic", contact.topic(), TOPICS);
        String outcome = oneOf("outcome", contact.outcome(), OUTCOMES);
        String provider = knownProvider(clinic, org, contact.providerKey());
        OffsetDateTime now = OffsetDateTime.now(clock);
        if (contact.alertId() != null) {
            answer(clinic, org, contact.alertId(), now, user);
        }
        KeyHolder key = new GeneratedKeyHolder();
        jdbc.sql("""
                INSERT INTO outreach (clinic_id, org_key, contacted_on, channel, topic, outcome, alert_id, logged_by,
                                      logged_at, practitioner_key)
                VALUES (:clinic, :org, :day, :channel, :topic, :outcome, :alert, :user, :now, :provider)
                """)
                .param("clinic", clinic.id()).param("org", org).param("day", day).param("channel", channel)
                .param("provider", provider)
                .param("topic", topic).param("outcome", outcome).param("alert", contact.alertId())
                .param("user", user).param("now", now)
                .update(key, "id");
        return find(key.getKey().longValue()).orElseThrow();
    }

    public Optional<Outreach> find(long id) {
        return jdbc.sql(SELECT + " WHERE o.id = :id").param("id", id).query(OutreachLog::outreach).optional();
    }

    /** The clinic's logged contacts, newest first; of one practice when {@code orgKey} is given. */
    public List<Outreach> find(String clinicId, String orgKey, int limit) {
        return jdbc.sql(SELECT + """
                WHERE o.clinic_id = :clinic AND (CAST(:org AS VARCHAR(200)) IS NULL OR o.org_key = CAST(:org AS VARCHAR(200)))
                ORDER BY o.contacted_on DESC, o.id DESC
                FETCH FIRST :limit ROWS ONLY
                """)
                .param("clinic", clinicId).param("org", orgKey).param("limit", limit)
                .query(OutreachLog::outreach).list();
    }

    /**
     * Sets how often the practice should hear from the clinic.
     *
     * @throws InvalidOutreachException when the days are out of range or the practice has no figures at the clinic
     */
    public Cadence setCadence(String clinicId, String orgKey, int everyDays, String user) {
        Clinic clinic = clinic(clinicId);
        String org = knownSource(clinic, orgKey);
        if (everyDays < MIN_CADENCE_DAYS || everyDays > MAX_CADENCE_DAYS) {
            throw new InvalidOutreachException("everyDays must be between " + MIN_CADENCE_DAYS + " and "
                    + MAX_CADENCE_DAYS + "; got " + everyDays);
        }
        OffsetDateTime now = OffsetDateTime.now(clock);
        if (updateCadence(clinic.id(), org, everyDays, user, now) == 0) {
            try {
                jdbc.sql("""
                        INSERT INTO outreach_cadence (clinic_id, org_key, every_days, set_by, set_at)
                        VALUES (:clinic, :org, :days, :user, :now)
                        """).param("clinic", clinic.id()).param("org", org).param("days", everyDays)
                        .param("user", user).param("now", now).update();
            } catch (DuplicateKeyException e) {
                // set at the same moment by another request (a double click): this one's value wins
                updateCadence(clinic.id(), org, everyDays, user, now);
            }
        }
        return cadence(clinic.id(), org).orElseThrow();
    }

    private int updateCadence(String clinicId, String org, int everyDays, String user, OffsetDateTime now) {
        return jdbc.sql("""
                UPDATE outreach_cadence SET every_days = :days, set_by = :user, set_at = :now
                WHERE clinic_id = :clinic AND org_key = :org
                """).param("clinic", clinicId).param("org", org).param("days", everyDays).param("user", user)
                .param("now", now).update();
    }

    /** @return whether the practice had a cadence */
    @Transactional
    public boolean clearCadence(String clinicId, String orgKey) {
        return jdbc.sql("DELETE FROM outreach_cadence WHERE clinic_id = :clinic AND org_key = :org")
                .param("clinic", clinicId).param("org", orgKey).update() > 0;
    }

    public Optional<Cadence> cadence(String clinicId, String orgKey) {
        Optional<Clinic> clinic = directory.clinic(clinicId);
        if (clinic.isEmpty()) {
            return Optional.empty();
        }
        ZoneId zone = clinic.get().timeZone();
        return jdbc.sql("""
                SELECT c.org_key, c.every_days, c.set_by, c.set_at,
                       (SELECT MAX(o.contacted_on) FROM outreach o
                        WHERE o.clinic_id = c.clinic_id AND o.org_key = c.org_key) AS last_contact
                FROM outreach_cadence c WHERE c.clinic_id = :clinic AND c.org_key = :org
                """)
                .param("clinic", clinicId).param("org", orgKey)
                .query((rs, n) -> cadence(rs, zone, rs.getObject("last_contact", LocalDate.class)))
                .optional();
    }

    /**
     * The practices that should hear from the clinic now, most overdue first: those with an open or
     * acknowledged alert about their referrals and no contact logged since it was raised (nor one
     * answering it), and those whose cadence is up.
     */
    public List<OutreachDue> due(String clinicId) {
        Clinic clinic = clinic(clinicId);
        ZoneId zone = clinic.timeZone();
        LocalDate today = today(clinic);
        Map<String, LocalDate> lastContact = new HashMap<>();
        jdbc.sql("SELECT org_key, MAX(contacted_on) AS last_contact FROM outreach WHERE clinic_id = :clinic GROUP BY org_key")
                .param("clinic", clinic.id())
                .query(rs -> {
                    lastContact.put(rs.getString(1), rs.getObject(2, LocalDate.class));
                });
        Set<Long> answered = new HashSet<>(jdbc.sql("SELECT DISTINCT alert_id FROM outreach WHERE clinic_id = :clinic "
                + "AND alert_id IS NOT NULL").param("clinic", clinic.id()).query(Long.class).list());
        // per practice, its oldest alert with no contact answering it or logged since it was raised
        Map<String, Alert> unanswered = new HashMap<>();
        alerts.unresolved(clinic.id()).stream()
                .filter(a -> !"FEED".equals(a.kind()) && !answered.contains(a.id()))
                .filter(a -> lastContact.get(a.orgKey()) == null
                        || lastContact.get(a.orgKey()).isBefore(raised(a, zone)))
                .sorted(Comparator.comparing(Alert::createdAt).thenComparing(Alert::id))
                .forEach(a -> unanswered.putIfAbsent(a.orgKey(), a));
        Map<String, Cadence> cadences = new HashMap<>();
        jdbc.sql("SELECT org_key, every_days, set_by, set_at FROM outreach_cadence WHERE clinic_id = :clinic")
                .param("clinic", clinic.id())
                .query(rs -> {
                    cadences.put(rs.getString("org_key"), cadence(rs, zone, lastContact.get(rs.getString("org_key"))));
                });
        Set<String> orgs = new HashSet<>(unanswered.keySet());
        cadences.forEach((org, c) -> {
            if (!c.nextDue().isAfter(today)) {
                orgs.add(org);
            }
        });
        Map<String, String> names = names(orgs);
        Map<String, YearMonth> newest = newestMonths(clinic.id(), orgs);
        return orgs.stream()
                .map(org -> {
                    Alert a = unanswered.get(org);
                    Cadence c = cadences.get(org);
                    LocalDate dueOn = a != null ? raised(a, zone) : c.nextDue();
                    return new OutreachDue(org, names.get(org), a == null ? null : a.id(), a == null ? null : a.kind(),
                            a == null ? null : a.month(), lastContact.get(org), c == null ? null : c.everyDays(),
                            dueOn, Math.max(0, ChronoUnit.DAYS.between(dueOn, today)),
                            a != null ? a.month() : newest.get(org));
                })
                .sorted(Comparator.comparing((OutreachDue d) -> d.alertId() == null)
                        .thenComparing(OutreachDue::daysOverdue, Comparator.reverseOrder())
                        .thenComparing(OutreachDue::orgKey))
                .toList();
    }

    /** The day the alert was raised, in the clinic's time zone. */
    private static LocalDate raised(Alert alert, ZoneId zone) {
        return alert.createdAt().atZoneSameInstant(zone).toLocalDate();
    }

    /** The newest month with figures of each practice at the clinic. */
    private Map<String, YearMonth> newestMonths(String clinicId, Collection<String> orgKeys) {
        Map<String, YearMonth> months = new HashMap<>();
        if (orgKeys.isEmpty()) {
            return months;
        }
        jdbc.sql("""
                SELECT org_key, MAX(month_start) FROM source_month
                WHERE clinic_id = :clinic AND practitioner_key = '*' AND org_key IN (:keys)
                GROUP BY org_key
                """)
                .param("clinic", clinicId).param("keys", orgKeys)
                .query(rs -> {
                    months.put(rs.getString(1), YearMonth.from(rs.getObject(2, LocalDate.class)));
                });
        return months;
    }

    /** The practices' names in the EMRs' directories, where known. */
    Map<String, String> names(Collection<String> orgKeys) {
        Map<String, String> names = new HashMap<>();
        if (orgKeys.isEmpty()) {
            return names;
        }
        jdbc.sql("SELECT source_key, MAX(name) FROM organization WHERE source_key IN (:keys) GROUP BY source_key")
                .param("keys", orgKeys)
                .query(rs -> {
                    names.put(rs.getString(1), rs.getString(2));
                });
        return names;
    }

    /** Today in the clinic's time zone: the latest day a contact can be logged for. */
    public LocalDate today(String clinicId) {
        return today(clinic(clinicId));
    }

    LocalDate today(Clinic clinic) {
        return LocalDate.now(clock.withZone(clinic.timeZone()));
    }

    private Clinic clinic(String clinicId) {
        return directory.clinic(clinicId)
                .orElseThrow(() -> new InvalidOutreachException("No clinic '" + clinicId + "'"));
    }

    /** The practice key as the figures have it; refused when the clinic has no figures for it. */
    private String knownSource(Clinic clinic, String orgKey) {
        return knownPractice(jdbc, clinic.id(), clinic.name(), orgKey);
    }

    /**
     * The practice's key, stripped, when the clinic's figures have it (never "unknown").
     *
     * @throws InvalidOutreachException saying what is missing or unknown, and where
     */
    static String knownPractice(JdbcClient jdbc, String clinicId, String clinicName, String orgKey) {
        if (orgKey == null || orgKey.isBlank()) {
            throw new InvalidOutreachException("org is required: the practice's key as the clinic's sources list it "
                    + "(orgKey)");
        }
        String org = orgKey.strip();
        boolean known = jdbc.sql("""
                SELECT COUNT(*) FROM source_month
                WHERE clinic_id = :clinic AND org_key = :org AND practitioner_key = '*'
                """).param("clinic", clinicId).param("org", org).query(Integer.class).single() > 0;
        if (!known || "unknown".equals(org)) {
            throw new InvalidOutreachException("No referring practice '" + org + "' in the figures of " + clinicName
                    + ": outreach is logged for the practices its sources list");
        }
        return org;
    }

    /**
     * The provider key as the figures have it, or null (the practice as a whole); refused when the
     * practice's figures at the clinic never had that provider.
     */
    private String knownProvider(Clinic clinic, String org, String providerKey) {
        if (providerKey == null || providerKey.isBlank()) {
            return null;
        }
        String provider = providerKey.strip();
        boolean known = !"*".equals(provider) && jdbc.sql("""
                SELECT COUNT(*) FROM source_month
                WHERE clinic_id = :clinic AND org_key = :org AND practitioner_key = :provider
                """).param("clinic", clinic.id()).param("org", org).param("provider", provider)
                .query(Integer.class).single() > 0;
        if (!known) {
            throw new InvalidOutreachException("No referring provider '" + provider + "' at practice '" + org
                    + "' in the figures of " + clinic.name() + ": outreach to a provider is logged for the providers "
                    + "the practice's page lists");
        }
        return provider;
    }

    /** Checks that the alert is about this practice at this clinic, and acknowledges it (as the user) when open. */
    private void answer(Clinic clinic, String org, long alertId, OffsetDateTime now, String user) {
        // another clinic's alert is not named: its practice is none of this clinic's business
        Alert alert = alerts.find(alertId).filter(a -> clinic.id().equals(a.clinicId()))
                .orElseThrow(() -> new InvalidOutreachException("No alert " + alertId + " at " + clinic.name()));
        // a FEED alert is about an EMR feed, whatever its key: no practice answers it
        if ("FEED".equals(alert.kind()) || !org.equals(alert.orgKey())) {
            throw new InvalidOutreachException("Alert " + alertId + " is not about '" + org + "' at " + clinic.name()
                    + ": it is about " + about(alert) + " at clinic '" + alert.clinicId() + "'");
        }
        alerts.acknowledge(alertId, now, user);
    }

    private static String about(Alert alert) {
        if (!"FEED".equals(alert.kind())) {
            return "'" + alert.orgKey() + "'";
        }
        return alert.endpointName() != null ? "the EMR feed of " + alert.endpointName() : "the EMR feed";
    }

    /** The value in upper case with '-' and spaces as '_' ("message left" is MESSAGE_LEFT), if known. */
    static String oneOf(String field, String value, List<String> known) {
        if (value == null || value.isBlank()) {
            throw new InvalidOutreachException(field + " is required: one of " + lower(known));
        }
        String v = value.strip().toUpperCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
        if (!known.contains(v)) {
            throw new InvalidOutreachException(field + " must be one of " + lower(known) + "; got '" + value + "'");
        }
        return v;
    }

    private static String lower(List<String> values) {
        return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).toList().toString();
    }

    private static Outreach outreach(ResultSet rs, int row) throws SQLException {
        Long alert = rs.getObject("alert_id", Long.class);
        return new Outreach(rs.getLong("id"), rs.getString("clinic_id"), rs.getString("org_key"),
                rs.getString("source_name"), rs.getObject("contacted_on", LocalDate.class), rs.getString("channel"),
                rs.getString("topic"), rs.getString("outcome"), alert, rs.getString("logged_by"),
                rs.getObject("logged_at", OffsetDateTime.class), rs.getString("practitioner_key"),
                rs.getString("provider_name"));
    }

    private static Cadence cadence(ResultSet rs, ZoneId zone, LocalDate lastContact) throws SQLException {
        int days = rs.getInt("every_days");
        OffsetDateTime setAt = rs.getObject("set_at", OffsetDateTime.class);
        LocalDate next = lastContact != null ? lastContact.plusDays(days) : setAt.atZoneSameInstant(zone).toLocalDate();
        return new Cadence(rs.getString("org_key"), days, rs.getString("set_by"), setAt, lastContact, next);
    }
}
