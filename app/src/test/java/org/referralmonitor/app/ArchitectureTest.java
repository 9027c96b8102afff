package org.referralmonitor.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The module and package rules of the brief, kept true by the build. */
@AnalyzeClasses(packages = "org.referralmonitor", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule modulesDependOneWay = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("app").definedBy("org.referralmonitor.app..")
            .layer("metrics").definedBy("org.referralmonitor.metrics..")
            .layer("ingest").definedBy("org.referralmonitor.ingest..")
            .layer("fhir-profiles").definedBy("org.referralmonitor.profiles..")
            .whereLayer("app").mayNotBeAccessedByAnyLayer()
            .whereLayer("metrics").mayOnlyBeAccessedByLayers("app")
            .whereLayer("ingest").mayOnlyBeAccessedByLayers("metrics", "app")
            .whereLayer("fhir-profiles").mayOnlyBeAccessedByLayers("ingest", "metrics", "app");

    @ArchTest
    static final ArchRule featurePackagesHaveNoCycles = slices()
            .matching("org.referralmonitor.(*).(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule onlyTheSandboxUsesWireMock = noClasses()
            .that().resideOutsideOfPackage("org.referralmonitor.ingest.sandbox..")
            .should().dependOnClassesThat().resideInAPackage("com.github.tomakehurst..");

    @ArchTest
    static final ArchRule onlyTheAppServesHttp = noClasses()
            .that().resideOutsideOfPackage("org.referralmonitor.app..")
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework.web..", "jakarta.servlet..");

    @ArchTest
    static final ArchRule camelStaysInTheSyncFlow = noClasses()
            .that().resideOutsideOfPackage("org.referralmonitor.ingest.sync..")
            .should().dependOnClassesThat().resideInAPackage("org.apache.camel..");

    @ArchTest
    static final ArchRule batchStaysInTheMonthlyJob = noClasses()
            .that().resideOutsideOfPackage("org.referralmonitor.metrics.monthly..")
            .should().dependOnClassesThat().resideInAPackage("org.springframework.batch..");
}
