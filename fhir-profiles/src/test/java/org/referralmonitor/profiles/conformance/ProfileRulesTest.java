package org.referralmonitor.profiles.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule of every profile, on fixtures that keep it and fixtures that break it, with what a person is told. */
class ProfileRulesTest {

    record Expect(String fixture, boolean conforms, boolean countable, String rule, String message) {
    }

    static Stream<Arguments> expectations() {
        return Stream.of(
                new Expect("referral-conforming.json", true, true, null, null),
                new Expect("referral-no-requester.json", false, false, "Validation_VAL_Profile_Minimum",
                        "ServiceRequest sr-no-requester: no requester, so no referring provider or practice can be credited with it"),
                new Expect("referral-no-authored-on.json", false, false, "Validation_VAL_Profile_Minimum",
                        "ServiceRequest sr-no-authored: no authoredOn date, so it cannot be counted in any month"),
                new Expect("referral-no-category-no-code.json", false, false, "rm-referral-1",
                        "ServiceRequest sr-unclassifiable: has neither a category nor a code, so it cannot be told whether it is a referral"),
                new Expect("referral-no-subject.json", false, false, "Validation_VAL_Profile_Minimum",
                        "ServiceRequest sr-no-subject: no patient, so the referral cannot be matched to the visit it turned into"),
                new Expect("referral-bad-status.json", false, false, "Terminology_TX_NoValid_16",
                        "ServiceRequest sr-bad-status: status is 'sent', which is not one of the codes of RequestStatus"),
                new Expect("referral-requester-location.json", false, false, "rm-referral-3",
                        "ServiceRequest sr-requester-kind: names as requester something that is not a practitioner, "
                                + "practitioner role or organization, so no referring provider or practice can be credited with it"),
                new Expect("referral-performer-display-only.json", true, true, "rm-referral-2",
                        "ServiceRequest sr-performer-display: names a performer only by display text, so it cannot be told "
                                + "which clinic the referral was sent to"),
                new Expect("referral-unknown-code-system.json", true, true, "Terminology_PassThrough_TX_Message",
                        "ServiceRequest sr-local-codes: ServiceRequest.code: uses the code system "
                                + "http://emr.example.org/codes/referral-type, which the monitor cannot check; that is fine"),
                new Expect("referral-unresolvable-references.json", true, true, null, null),
                new Expect("referral-not-a-referral.json", true, false, "snomed-referral-v1",
                        "ServiceRequest lab-1 is not a referral: neither its category nor its code holds a referral code "
                                + "(or its intent is a proposal or plan), so it is not counted"),
                new Expect("referral-proposal.json", true, false, "snomed-referral-v1",
                        "ServiceRequest sr-proposal is not a referral: neither its category nor its code holds a referral "
                                + "code (or its intent is a proposal or plan), so it is not counted"),
                new Expect("visit-conforming.json", true, true, null, null),
                new Expect("visit-no-subject.json", false, false, "Validation_VAL_Profile_Minimum",
                        "Encounter enc-no-subject: no patient, so the visit cannot be matched to a referral"),
                new Expect("visit-no-period.json", false, false, "Validation_VAL_Profile_Minimum",
                        "Encounter enc-no-period: no period, so the visit cannot be placed in time or matched to a referral"),
                new Expect("visit-no-start.json", false, false, "Validation_VAL_Profile_Minimum",
                        "Encounter enc-no-start: no start date, so the visit cannot be placed in time or matched to a referral"),
                new Expect("visit-ends-before-it-starts.json", false, false, "per-1",
                        "Encounter enc-backwards: Encounter.period: If present, start SHALL have a lower value than end"),
                new Expect("visit-based-on-display-only.json", true, true, "rm-visit-1",
                        "Encounter enc-basedon-display: names the referral it is based on only by display text, so the "
                                + "referral cannot be credited with the visit"),
                new Expect("practitioner-conforming.json", true, true, null, null),
                new Expect("practitioner-without-npi.json", true, true, null, null),
                new Expect("practitioner-npi-not-ten-digits.json", false, false, "rm-npi-1",
                        "Practitioner pr-npi-short: the NPI is not 10 digits"),
                new Expect("practitioner-npi-bad-check-digit.json", false, false, "rm-npi-2",
                        "Practitioner pr-npi-luhn: the NPI's check digit is wrong (Luhn check over the 80840 prefix), so "
                                + "it is not a real NPI"),
                new Expect("practitioner-two-npis.json", false, false, "Validation_VAL_Profile_Maximum",
                        "Practitioner pr-two-npis: NPI is given 2 times, but at most 1 is allowed"),
                new Expect("practitioner-role-conforming.json", true, true, null, null),
                new Expect("practitioner-role-names-no-one.json", false, false, "rm-role-1",
                        "PractitionerRole role-empty: names neither a practitioner nor an organization, so a referral "
                                + "made in this role cannot be credited to anyone"),
                new Expect("organization-conforming.json", true, true, null, null),
                new Expect("organization-no-name.json", false, false, "Validation_VAL_Profile_Minimum",
                        "Organization org-no-name: no name, so the practice cannot be shown by name on the dashboard or in alerts"),
                new Expect("organization-npi-bad-check-digit.json", false, false, "rm-npi-2",
                        "Organization org-npi-luhn: the NPI's check digit is wrong (Luhn check over the 80840 prefix), so "
                                + "it is not a real NPI"))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("expectations")
    void saysWhetherTheMonitorCanCountItAndWhyNot(Expect expect) {
        ValidationReport report = Validators.shared().validate(Validators.fixture(expect.fixture()));

        assertThat(report.conforms()).as("conforms").isEqualTo(expect.conforms());
        assertThat(report.countable()).as("countable").isEqualTo(expect.countable());
        if (expect.rule() == null) {
            assertThat(report.findings()).isEmpty();
        } else {
            assertThat(report.findings()).filteredOn(f -> f.severity() != Finding.Severity.INFORMATION)
                    .hasSizeLessThanOrEqualTo(1);
            Finding finding = report.findings().stream().filter(f -> f.rule().equals(expect.rule())).findFirst()
                    .orElseThrow(() -> new AssertionError("no finding " + expect.rule() + " in " + report.findings()));
            assertThat(finding.message()).isEqualTo(expect.message());
            assertThat(finding.message()).doesNotContain("HAPI-", "minimum required");
        }
    }

    @Test
    void everyFixtureIsInTheTable() throws IOException {
        List<String> tested = expectations().map(a -> ((Expect) a.get()[0]).fixture()).toList();
        try (Stream<java.nio.file.Path> files = Files.list(Validators.FIXTURES)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(tested);
        }
    }

    @Test
    void keepsTheLocationForExperts() {
        Finding finding = Validators.shared().validate(Validators.fixture("visit-no-start.json")).findings().get(0);
        assertThat(finding.location()).isEqualTo("Encounter.period");
        assertThat(finding.detail()).isEqualTo("Encounter.period.start: minimum required = 1, but only found 0");
    }
}
