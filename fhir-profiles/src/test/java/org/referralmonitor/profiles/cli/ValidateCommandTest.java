package org.referralmonitor.profiles.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest {

    static final Path FIXTURES = Path.of("src/test/resources/fhir/conformance");

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ValidateCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void exitsZeroWhenEverythingConforms() {
        int status = run(FIXTURES.resolve("referral-conforming.json").toString(),
                FIXTURES.resolve("visit-conforming.json").toString());

        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("ServiceRequest/sr-ok: countable",
                "Encounter/enc-ok: countable");
    }

    @Test
    void explainsWhatCannotBeCountedAndExitsOne(@TempDir Path dir) throws Exception {
        Path ndjson = dir.resolve("export.ndjson");
        Files.writeString(ndjson, String.join("\n",
                Files.readString(FIXTURES.resolve("referral-no-requester.json")).replaceAll("\\s*\\n\\s*", ""),
                Files.readString(FIXTURES.resolve("organization-conforming.json")).replaceAll("\\s*\\n\\s*", "")));

        int status = run(ndjson.toString());

        assertThat(status).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(
                "2 resource(s), 1 the monitor can count",
                "ServiceRequest/sr-no-requester: NOT COUNTABLE",
                "ERROR: ServiceRequest sr-no-requester: no requester, so no referring provider or practice can be "
                        + "credited with it  [ServiceRequest]");
    }

    @Test
    void saysWhereAFileIsNotJsonAndExitsTwo(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"resourceType\": \"Encounter\",\n \"status\": }");

        assertThat(run(broken.toString(), dir.resolve("missing.json").toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(broken + ":2:", "not valid JSON",
                "missing.json: no such file");
    }

    @Test
    void writesJsonForMachines() {
        assertThat(run("--json", FIXTURES.resolve("organization-no-name.json").toString())).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"countable\" : false", "\"rule\" : \"Validation_VAL_Profile_Minimum\"");
    }
}
