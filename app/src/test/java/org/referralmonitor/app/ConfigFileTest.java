package org.referralmonitor.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.IngestProperties;
import org.referralmonitor.metrics.MetricsProperties;
import org.referralmonitor.profiles.ProfilesProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.FileSystemResource;

/** config/application.yml binds to the modules' properties and documents every key they have. */
class ConfigFileTest {

    private static final Path CONFIG = Path.of("..", "config", "application.yml");

    @Test
    void bindsToEveryModulesProperties() throws IOException {
        StandardEnvironment env = new StandardEnvironment();
        for (PropertySource<?> source : new YamlPropertySourceLoader().load("config", new FileSystemResource(CONFIG))) {
            env.getPropertySources().addFirst(source);
        }
        Binder binder = new Binder(ConfigurationPropertySources.get(env), null, null);

        IngestProperties ingest = binder.bindOrCreate("referral-monitor.ingest", IngestProperties.class);
        MetricsProperties metrics = binder.bindOrCreate("referral-monitor.metrics", MetricsProperties.class);
        AppProperties app = binder.bindOrCreate("referral-monitor.app", AppProperties.class);
        ProfilesProperties profiles = binder.bindOrCreate("referral-monitor.profiles", ProfilesProperties.class);

        assertThat(ingest.sandbox().enabled()).as("the demo run uses the sandbox EMR").isTrue();
        assertThat(ingest.syncOnStartup()).isTrue();
        assertThat(metrics.dropThreshold()).isEqualTo(0.30);
        assertThat(app.demoLogin()).isTrue();
        assertThat(app.notifications().dispatchInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(app.notifications().digestTime()).isEqualTo("07:00");
        assertThat(app.notifications().digestDays()).hasSize(5).doesNotContain(java.time.DayOfWeek.SUNDAY);
        assertThat(app.notifications().channels()).as("the demo run sends nothing anywhere").isEmpty();
        assertThat(profiles.validationCacheSize()).isEqualTo(20000);
    }

    @Test
    void documentsEveryKeyWithAComment() throws IOException {
        List<String> lines = Files.readAllLines(CONFIG);
        List<String> undocumented = new ArrayList<>();
        for (Class<?> module : List.of(IngestProperties.class, MetricsProperties.class, AppProperties.class,
                ProfilesProperties.class)) {
            keys(module, undocumented, lines);
        }
        assertThat(undocumented).as("keys without a line in config/application.yml").isEmpty();

        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            boolean leaf = line.matches("[a-z-]+: .+") && !line.startsWith("#");
            if (leaf) {
                String before = lines.get(i - 1).strip();
                assertThat(before.startsWith("#") || lines.get(i - 1).matches(".*[a-z-]+: .+"))
                        .as("line %d '%s' needs a comment above it (or belongs to a commented group)", i + 1, line)
                        .isTrue();
            }
        }
    }

    /** Every record component, as a kebab-case key, must appear in the file (set or in a commented example). */
    private static void keys(Class<?> type, List<String> missing, List<String> lines) {
        for (RecordComponent c : type.getRecordComponents()) {
            String key = c.getName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
            if (lines.stream().noneMatch(l -> l.matches("\\s*#?\\s*(- )?" + key + ":.*"))) {
                missing.add(type.getSimpleName() + "." + key);
            }
            Class<?> nested = c.getType();
            if (List.class.isAssignableFrom(nested)) {
                Type arg = ((ParameterizedType) c.getGenericType()).getActualTypeArguments()[0];
                nested = (Class<?>) arg;
            }
            if (nested.isRecord()) {
                keys(nested, missing, lines);
            }
        }
    }
}
