package org.referralmonitor.profiles.conformance;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.ValueSet;

/**
 * The monitor's FHIR package (NPM layout: {@code package.json}, {@code .index.json} and one JSON file
 * per resource), read from the module's {@code package/} folder on the classpath or from any folder.
 * The same folder loads into the HL7 validator ({@code -ig folder}) or a HAPI server.
 */
public final class FhirPackage {

    /** Where the package folder sits on the classpath. */
    public static final String CLASSPATH_FOLDER = "org/referralmonitor/profiles/package/";

    /** The order profiles are listed in: referral first, then visit, then who referred. */
    private static final List<String> READING_ORDER =
            List.of("ServiceRequest", "Encounter", "Practitioner", "PractitionerRole", "Organization");

    private final String name;
    private final String version;
    private final List<StructureDefinition> profiles;
    private final List<ValueSet> valueSets;

    private FhirPackage(String name, String version, List<StructureDefinition> profiles, List<ValueSet> valueSets) {
        this.name = name;
        this.version = version;
        this.profiles = List.copyOf(profiles);
        this.valueSets = List.copyOf(valueSets);
    }

    public static FhirPackage fromClasspath(FhirContext fhir) {
        return read(fhir, file -> {
            InputStream in = FhirPackage.class.getClassLoader().getResourceAsStream(CLASSPATH_FOLDER + file);
            if (in == null) {
                throw new IllegalStateException("The FHIR package on the classpath lacks " + CLASSPATH_FOLDER + file);
            }
            return in;
        });
    }

    public static FhirPackage fromFolder(FhirContext fhir, Path folder) {
        return read(fhir, file -> Files.newInputStream(folder.resolve(file)));
    }

    @FunctionalInterface
    private interface Opener {
        InputStream open(String file) throws IOException;
    }

    private static FhirPackage read(FhirContext fhir, Opener opener) {
        ObjectMapper json = new ObjectMapper();
        try {
            JsonNode manifest;
            try (InputStream in = opener.open("package.json")) {
                manifest = json.readTree(in);
            }
            JsonNode index;
            try (InputStream in = opener.open(".index.json")) {
                index = json.readTree(in);
            }
            List<StructureDefinition> profiles = new ArrayList<>();
            List<ValueSet> valueSets = new ArrayList<>();
            for (JsonNode entry : index.path("files")) {
                String file = entry.path("filename").asText();
                Resource resource;
                try (InputStream in = opener.open(file)) {
                    resource = (Resource) fhir.newJsonParser().parseResource(in);
                }
                if (resource instanceof StructureDefinition sd) {
                    profiles.add(sd);
                } else if (resource instanceof ValueSet vs) {
                    valueSets.add(vs);
                } else {
                    throw new IllegalStateException(file + ": the package holds only profiles and value sets, not "
                            + resource.fhirType());
                }
            }
            profiles.sort(java.util.Comparator.comparingInt(p -> READING_ORDER.indexOf(p.getType())));
            return new FhirPackage(manifest.path("name").asText(), manifest.path("version").asText(), profiles,
                    valueSets);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the FHIR package: " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    public String version() {
        return version;
    }

    /** The profiles as written: differentials only. */
    public List<StructureDefinition> profiles() {
        return profiles;
    }

    public List<ValueSet> valueSets() {
        return valueSets;
    }

    /** The profile the monitor applies to a resource type, if it uses that type. */
    public Optional<StructureDefinition> profileFor(String resourceType) {
        return profiles.stream().filter(p -> p.getType().equals(resourceType)).findFirst();
    }

    /** Resource type to profile URL. */
    public Map<String, String> profileUrls() {
        Map<String, String> urls = new LinkedHashMap<>();
        profiles.forEach(p -> urls.put(p.getType(), p.getUrl()));
        return urls;
    }
}
