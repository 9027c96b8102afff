package org.referralmonitor.profiles.conformance;

import org.referralmonitor.profiles.Npi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.util.ArrayDeque;
import java.util.Deque;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The shape of a resource for validation: a copy in which what varies from one resource to the
 * next but cannot change the validator's verdict is replaced by fixed stand-ins (the resource id,
 * reference ids, names and free text, identifier values other than NPIs, valid NPIs by one valid
 * NPI, dates), while everything a rule can read stays as it was (structure, codes and systems,
 * extensions, invalid NPIs, statuses, and
 * the order of a period's start and end). Resources with the same shape get the same verdict, so
 * the validator runs once per shape. The narrative is left out: the monitor never keeps it.
 *
 * <p>When a value cannot be replaced safely (an unreadable date, a period whose ends have
 * different precision) there is no shape and the resource is validated as it is.
 */
final class ValidationShape {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi";
    private static final String MASK = "x";
    /** The stand-in for every valid NPI. */
    private static final String VALID_NPI = Npi.withCheckDigit("123456789");

    /** Free-text strings: their content is never checked by our rules, only their presence. */
    private static final Set<String> FREE_TEXT = Set.of("display", "text", "family", "given", "prefix", "suffix",
            "line", "city", "district", "postalCode", "state", "country", "description", "comment",
            "patientInstruction", "authorString", "valueString", "valueMarkdown", "name", "alias", "title");

    /** Elements holding a date, dateTime or instant. */
    private static final Set<String> DATES = Set.of("authoredOn", "start", "end", "date", "lastUpdated", "issued",
            "recorded", "created", "birthDate", "occurrenceDateTime", "effectiveDateTime", "valueDateTime",
            "valueDate", "valueInstant", "deceasedDateTime", "time", "asNeededDateTime");


    private ValidationShape() {
    }

    /** Thrown inside the walk when the resource has no safe shape. */
    private static final class NoShape extends RuntimeException {
        NoShape() {
            super(null, null, false, false);
        }
    }

    /** The shape of the resource, or null when it has none and must be validated as it is. */
    static ObjectNode of(ObjectNode resource) {
        TreeSink tree = new TreeSink();
        try {
            walkObject(resource, null, true, true, tree);
        } catch (NoShape e) {
            return null;
        }
        return tree.root;
    }

    /**
     * A 128-bit key of the shape, computed without building it (resources with the same key have
     * the same shape), or null when the resource has no shape.
     */
    static String key(ObjectNode resource) {
        HashSink hash = new HashSink();
        try {
            walkObject(resource, null, true, true, hash);
        } catch (NoShape e) {
            return null;
        }
        return hash.hasher.hash().toString();
    }

    /** Receives the shape as the walk produces it. */
    private interface Sink {
        void startObject(String field);

        void endObject();

        void startArray(String field);

        void endArray();

        void text(String field, String value);

        void scalar(String field, JsonNode value);
    }

    private static void walk(JsonNode node, String key, ObjectNode parent, Sink sink) {
        if (node.isObject()) {
            walkObject((ObjectNode) node, key, "contained".equals(key), false, sink);
        } else if (node.isArray()) {
            sink.startArray(key);
            for (JsonNode item : node) {
                walk(item, key, parent, sink);
            }
            sink.endArray();
        } else if (node.isTextual()) {
            sink.text(key, text(node.textValue(), key, parent));
        } else {
            sink.scalar(key, node);
        }
    }

    private static void walkObject(ObjectNode object, String key, boolean isResource, boolean isRoot, Sink sink) {
        sink.startObject(key);
        JsonNode start = object.get("start");
        JsonNode end = object.get("end");
        boolean period = start != null && end != null && start.isTextual() && end.isTextual();
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (isResource && name.equals("text") && value.isObject()) {
                continue; // narrative
            }
            if (isRoot && name.equals("id") && value.isTextual()) {
                sink.text(name, MASK); // contained resources keep their ids: #references point at them
                continue;
            }
            if (period && (name.equals("start") || name.equals("end"))) {
                continue; // written below, together
            }
            walk(value, name, object, sink);
        }
        if (period) {
            FhirDate from = FhirDate.parse(start.textValue());
            FhirDate to = FhirDate.parse(end.textValue());
            if (from.precision != to.precision) {
                throw new NoShape();
            }
            int order = Integer.signum(from.compareTo(to));
            sink.text("start", from.standIn(0));
            sink.text("end", to.standIn(-order));
        }
        sink.endObject();
    }

    /** Builds the shape as a JSON tree. */
    private static final class TreeSink implements Sink {

        private final Deque<JsonNode> open = new ArrayDeque<>();
        private ObjectNode root;

        @Override
        public void startObject(String field) {
            ObjectNode node = NODES.objectNode();
            attach(field, node);
            if (root == null) {
                root = node;
            }
            open.push(node);
        }

        @Override
        public void endObject() {
            open.pop();
        }

        @Override
        public void startArray(String field) {
            ArrayNode node = NODES.arrayNode();
            attach(field, node);
            open.push(node);
        }

        @Override
        public void endArray() {
            open.pop();
        }

        @Override
        public void text(String field, String value) {
            attach(field, NODES.textNode(value));
        }

        @Override
        public void scalar(String field, JsonNode value) {
            attach(field, value.deepCopy());
        }

        private void attach(String field, JsonNode node) {
            JsonNode parent = open.peek();
            if (parent instanceof ObjectNode object) {
                object.set(field, node);
            } else if (parent instanceof ArrayNode array) {
                array.add(node);
            }
        }
    }

    /** Hashes the shape as it is walked: the same events in the same order give the same key. */
    private static final class HashSink implements Sink {

        @SuppressWarnings("UnstableApiUsage")
        private final Hasher hasher = Hashing.murmur3_128().newHasher();

        @Override
        public void startObject(String field) {
            name(field).putByte((byte) '{');
        }

        @Override
        public void endObject() {
            hasher.putByte((byte) '}');
        }

        @Override
        public void startArray(String field) {
            name(field).putByte((byte) '[');
        }

        @Override
        public void endArray() {
            hasher.putByte((byte) ']');
        }

        @Override
        public void text(String field, String value) {
            name(field).putByte((byte) '"').putUnencodedChars(value).putByte((byte) 0);
        }

        @Override
        public void scalar(String field, JsonNode value) {
            name(field).putByte((byte) '#').putUnencodedChars(value.asText()).putByte((byte) 0);
        }

        private Hasher name(String field) {
            return field == null ? hasher.putByte((byte) 1)
                    : hasher.putByte((byte) 2).putUnencodedChars(field).putByte((byte) 0);
        }
    }

    private static String text(String value, String key, ObjectNode parent) {
        if (key == null || value.isBlank()) {
            return value;
        }
        if (key.equals("reference")) {
            return reference(value);
        }
        if (FREE_TEXT.contains(key)) {
            return MASK;
        }
        if (key.equals("value") && parent != null && parent.has("system") && !parent.has("code")) {
            // Identifier or ContactPoint: only NPIs are checked by our rules, and only for being valid: every
            // valid NPI shares one stand-in (one shape per provider otherwise), an invalid one stays as it is
            if (!NPI_SYSTEM.equals(parent.path("system").asText())) {
                return MASK;
            }
            return Npi.isValid(value) ? VALID_NPI : value;
        }
        if (key.equals("versionId") || key.equals("source")) {
            return MASK;
        }
        if (DATES.contains(key)) {
            return FhirDate.parse(value).standIn(0);
        }
        return value;
    }

    /** {@code [base/]Type/id[/_history/v]} with the id (and version) masked; anything else as it is. */
    private static String reference(String value) {
        if (value.startsWith("#")) {
            return value;
        }
        if (value.length() == 45 && value.startsWith("urn:uuid:")) {
            return "urn:uuid:00000000-0000-0000-0000-000000000000";
        }
        int history = value.indexOf("/_history/");
        String core = history >= 0 ? value.substring(0, history) : value;
        int slash = core.lastIndexOf('/');
        if (slash <= 0 || slash == core.length() - 1 || core.length() - slash - 1 > 64) {
            return value;
        }
        int typeStart = core.lastIndexOf('/', slash - 1) + 1;
        for (int i = typeStart; i < slash; i++) {
            char c = core.charAt(i);
            if (!(i == typeStart ? Character.isUpperCase(c) : Character.isLetter(c))) {
                return value;
            }
        }
        for (int i = slash + 1; i < core.length(); i++) {
            char c = core.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '-' || c == '.')) {
                return value;
            }
        }
        return core.substring(0, slash + 1) + MASK + (history >= 0 ? "/_history/1" : "");
    }

    /** A FHIR date, dateTime or instant, with enough kept to write a stand-in of the same form. */
    private static final class FhirDate implements Comparable<FhirDate> {

        enum Precision { YEAR, MONTH, DAY, TIME }

        private static final Instant STAND_IN = Instant.parse("2000-01-02T00:00:00Z");

        final Precision precision;
        final String text;
        final Instant instant;
        final int fractionDigits;
        final ZoneOffset offset;
        final boolean zulu;

        private FhirDate(Precision precision, String text, Instant instant, int fractionDigits, ZoneOffset offset,
                boolean zulu) {
            this.precision = precision;
            this.text = text;
            this.instant = instant;
            this.fractionDigits = fractionDigits;
            this.offset = offset;
            this.zulu = zulu;
        }

        /** Reads YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.f+](Z|+hh:mm); anything else has no shape. */
        static FhirDate parse(String text) {
            try {
                int length = text.length();
                if (length == 4 && digits(text, 0, 4)) {
                    return new FhirDate(Precision.YEAR, text, null, 0, null, false);
                }
                if (length == 7 && digits(text, 0, 4) && text.charAt(4) == '-') {
                    YearMonth.parse(text);
                    return new FhirDate(Precision.MONTH, text, null, 0, null, false);
                }
                if (length == 10 && text.charAt(4) == '-' && text.charAt(7) == '-') {
                    LocalDate.parse(text);
                    return new FhirDate(Precision.DAY, text, null, 0, null, false);
                }
                if (length >= 20 && text.charAt(10) == 'T') {
                    OffsetDateTime at = OffsetDateTime.parse(text);
                    int dot = text.indexOf('.', 19);
                    int fraction = 0;
                    if (dot == 19) {
                        int i = 20;
                        while (i < length && Character.isDigit(text.charAt(i))) {
                            i++;
                        }
                        fraction = i - 20;
                    }
                    if (text.charAt(16) != ':' || (dot != 19 && dot != -1)) {
                        throw new NoShape();
                    }
                    return new FhirDate(Precision.TIME, text, at.toInstant(), fraction, at.getOffset(),
                            text.endsWith("Z"));
                }
            } catch (DateTimeParseException e) {
                throw new NoShape();
            }
            throw new NoShape();
        }

        private static boolean digits(String text, int from, int to) {
            for (int i = from; i < to; i++) {
                if (!Character.isDigit(text.charAt(i))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int compareTo(FhirDate other) {
            return precision == Precision.TIME ? instant.compareTo(other.instant) : text.compareTo(other.text);
        }

        /** A value of the same form: the fixed stand-in, moved by {@code step} units (-1, 0, 1). */
        String standIn(int step) {
            return switch (precision) {
                case YEAR -> String.valueOf(2000 + step);
                case MONTH -> YearMonth.of(2000, 2).plusMonths(step).toString();
                case DAY -> LocalDate.of(2000, 1, 2).plusDays(step).toString();
                case TIME -> {
                    OffsetDateTime at = STAND_IN.plusSeconds(86_400L * step).atOffset(offset);
                    StringBuilder out = new StringBuilder(32).append(at.toLocalDate()).append('T');
                    two(out, at.getHour()).append(':');
                    two(out, at.getMinute()).append(':');
                    two(out, at.getSecond());
                    if (fractionDigits > 0) {
                        out.append('.').append("0".repeat(fractionDigits));
                    }
                    yield out.append(zulu ? "Z" : offset.getId()).toString();
                }
            };
        }

        private static StringBuilder two(StringBuilder out, int value) {
            return out.append(value < 10 ? "0" : "").append(value);
        }
    }
}
