package org.referralmonitor.app;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Pins "today" to 2026-11-23 so the sandbox world, and what the monitor finds in it, never drift.
 * The clock starts at {@link #NOW} and runs from there (syncs take time, and their records are
 * stamped by it, as the monitor's months and feed checks are).
 */
@TestConfiguration(proxyBeanMethods = false)
public class FixedClock {

    public static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    @Bean
    Clock clock() {
        return Clock.offset(Clock.system(ZoneOffset.UTC), Duration.between(Instant.now(), NOW));
    }
}
