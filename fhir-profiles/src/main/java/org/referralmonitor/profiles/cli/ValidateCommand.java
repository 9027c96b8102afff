package org.referralmonitor.profiles.cli;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.referralmonitor.profiles.conformance.FhirValidation;
import org.referralmonitor.profiles.conformance.Finding;
import org.referralmonitor.profiles.conformance.InvalidJsonException;
import org.referralmonitor.profiles.conformance.ValidationReport;

/**
 * Checks FHIR files before an EMR is connected: for each resource, whether the monitor can count
 * it and, if not, why, in plain language.
 *
 * <pre>
 * java -jar fhir-profiles/target/fhir-profiles-cli.jar [--json] FILE...
 * </pre>
 *
 * FILE is a FHIR resource, a Bundle or NDJSON; {@code -} reads standard input. Exit status: 0 when
 * every resource conforms, 1 when one does not, 2 when a file cannot be read or is not JSON.
 */
public final class ValidateCommand {

    private ValidateCommand() {
    }

    public static void main(String[] args) {
        System.setProperty("logback.configurationFile", "org/referralmonitor/profiles/cli/logback-cli.xml");
        int status = run(args, System.out, System.err);
        System.exit(status);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        boolean json = false;
        List<String> files = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--json")) {
                json = true;
            } else if (arg.equals("--help") || arg.equals("-h")) {
                out.println(usage());
                return 0;
            } else {
                files.add(arg);
            }
        }
        if (files.isEmpty()) {
            err.println(usage());
            return 2;
        }
        FhirValidation validation = FhirValidation.shared(FhirContext.forR4Cached(), 10_000);
        Map<String, List<ValidationReport>> results = new LinkedHashMap<>();
        int status = 0;
        for (String file : files) {
            try {
                String text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                        : Files.readString(Path.of(file));
                List<ValidationReport> reports = validation.validateDocument(text);
                results.put(file, reports);
                if (reports.stream().anyMatch(r -> !r.conforms() && r.profile() != null)) {
                    status = Math.max(status, 1);
                }
            } catch (NoSuchFileException e) {
                err.println(file + ": no such file");
                status = 2;
            } catch (IOException e) {
                err.println(file + ": cannot be read: " + e.getMessage());
                status = 2;
            } catch (InvalidJsonException e) {
                err.println(file + ":" + e.line() + ":" + e.column() + ": " + e.getMessage());
                status = 2;
            }
        }
        if (json) {
            try {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results));
            } catch (IOException e) {
                err.println("cannot write JSON: " + e.getMessage());
                return 2;
            }
        } else {
            results.forEach((file, reports) -> print(file, reports, out));
        }
        return status;
    }

    private static void print(String file, List<ValidationReport> reports, PrintStream out) {
        long countable = reports.stream().filter(ValidationReport::countable).count();
        out.println(file + ": " + reports.size() + " resource(s), " + countable + " the monitor can count");
        for (ValidationReport report : reports) {
            String verdict = report.profile() == null ? "not used"
                    : report.countable() ? "countable" : report.conforms() ? "conforms, not counted" : "NOT COUNTABLE";
            out.println("  " + report.resourceType() + "/" + report.resourceId() + ": " + verdict);
            for (Finding f : report.findings()) {
                out.println("    " + f.severity() + ": " + f.message()
                        + (f.location() == null ? "" : "  [" + f.location() + "]"));
            }
        }
    }

    private static String usage() {
        return """
                usage: java -jar fhir-profiles-cli.jar [--json] FILE...
                  Checks FHIR R4 resources against referral-monitor's profiles and says, for each, whether
                  the monitor can count it and why not. FILE: a resource, a Bundle or NDJSON; '-' = stdin.
                  Exit status: 0 all conform, 1 some do not, 2 unreadable input.""";
    }
}
