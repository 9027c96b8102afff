package org.referralmonitor.profiles.conformance;

import ca.uhn.fhir.validation.ResultSeverityEnum;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.StructureDefinition;

/**
 * Turns validator messages into sentences a clinic's IT person understands, using what the
 * profiles themselves say: each constrained element's {@code short} label and {@code requirements}
 * (why it matters to the monitor), each constraint's {@code human} text.
 */
final class PlainLanguage {

    /** A validator message before translation. */
    record Raw(ResultSeverityEnum severity, String location, String messageId, String message) {
    }

    private record Element(String label, String consequence) {
    }

    private static final Pattern MINIMUM = Pattern.compile("^(.+?): minimum required = (\\d+), but only found (\\d+).*");
    private static final Pattern MAXIMUM = Pattern.compile("^(.+?): max allowed = (\\d+), but found (\\d+).*");
    private static final Pattern NOT_IN_VALUE_SET = Pattern.compile(
            "^The value provided \\('(.*?)'\\) was not found in the value set '(.+?)'.*", Pattern.DOTALL);
    private static final Pattern UNKNOWN_CODE = Pattern.compile("^Unknown code '(.*)#(.*)'.*", Pattern.DOTALL);
    private static final Pattern CONSTRAINT = Pattern.compile(".*?Constraint failed: ([\\w.-]+): '(.+?)'.*", Pattern.DOTALL);
    private static final Pattern FROM_PROFILE = Pattern.compile("\\s*\\(from [^)]*\\)");
    private static final Pattern UNKNOWN_SYSTEM = Pattern.compile(".*CodeSystem is unknown and can't be validated: (\\S+).*");

    private final Map<String, Element> elements = new HashMap<>();
    private final Map<String, String> constraints = new HashMap<>();

    PlainLanguage(List<StructureDefinition> profiles) {
        for (StructureDefinition profile : profiles) {
            for (ElementDefinition e : profile.getDifferential().getElement()) {
                String path = e.getPath() + (e.hasSliceName() ? ":" + e.getSliceName() : "");
                if (e.hasShort() || e.hasRequirements()) {
                    elements.put(e.getId(), new Element(e.getShort(), e.getRequirements()));
                    elements.putIfAbsent(path, new Element(e.getShort(), e.getRequirements()));
                }
                e.getConstraint().forEach(c -> constraints.put(c.getKey(), c.getHuman()));
            }
        }
    }

    Finding explain(String type, String id, Raw raw) {
        String subject = type + " " + (id == null || id.isBlank() ? "(no id)" : id);
        String detail = FROM_PROFILE.matcher(raw.message()).replaceAll("").strip();
        String rule = raw.messageId();
        Finding.Severity severity = severity(raw.severity());
        String message;
        Matcher m;
        if ("Validation_VAL_Profile_Minimum".equals(rule) && (m = MINIMUM.matcher(raw.message())).matches()) {
            Element e = element(m.group(1));
            message = subject + ": no " + e.label() + (e.consequence() == null ? "" : ", so " + e.consequence());
        } else if ("Validation_VAL_Profile_Maximum".equals(rule) && (m = MAXIMUM.matcher(raw.message())).matches()) {
            Element e = element(m.group(1));
            message = subject + ": " + e.label() + " is given " + m.group(3) + " times, but at most " + m.group(2)
                    + " is allowed";
        } else if ((m = CONSTRAINT.matcher(raw.message())).matches()) {
            rule = m.group(1);
            String ours = constraints.get(rule);
            message = ours != null ? subject + ": " + ours
                    : subject + ": " + where(raw.location()) + m.group(2).replaceAll("\\.$", "");
        } else if (rule != null && rule.startsWith("Terminology_TX_NoValid")
                && (m = NOT_IN_VALUE_SET.matcher(raw.message())).matches()) {
            message = subject + ": " + field(raw.location()) + " is '" + m.group(1) + "', which is not one of the codes of "
                    + m.group(2);
        } else if ((m = UNKNOWN_CODE.matcher(raw.message())).matches()) {
            message = subject + ": " + field(raw.location()) + " has the code '" + m.group(2) + "', which does not exist in "
                    + m.group(1);
        } else if ("Terminology_PassThrough_TX_Message".equals(rule)
                && (m = UNKNOWN_SYSTEM.matcher(raw.message())).matches()) {
            severity = Finding.Severity.INFORMATION;
            message = subject + ": " + where(raw.location()) + "uses the code system " + m.group(1).replaceAll("[#|].*", "")
                    + ", which the monitor cannot check; that is fine";
        } else {
            message = subject + ": " + where(raw.location()) + detail;
        }
        return new Finding(severity, message, raw.location(), rule, detail);
    }

    private Element element(String path) {
        Element e = elements.get(path);
        String last = path.substring(path.lastIndexOf('.') + 1).replaceAll("\\[x]$", "");
        if (e == null) {
            return new Element(last, null);
        }
        return new Element(e.label() == null ? last : e.label(), e.consequence());
    }

    /** "ServiceRequest.status" reads as "status". */
    private static String field(String location) {
        if (location == null || location.isBlank()) {
            return "a value";
        }
        return location.substring(location.indexOf('.') + 1);
    }

    private static String where(String location) {
        return location == null || location.isBlank() ? "" : location + ": ";
    }

    private static Finding.Severity severity(ResultSeverityEnum severity) {
        return switch (severity) {
            case FATAL, ERROR -> Finding.Severity.ERROR;
            case WARNING -> Finding.Severity.WARNING;
            default -> Finding.Severity.INFORMATION;
        };
    }
}
