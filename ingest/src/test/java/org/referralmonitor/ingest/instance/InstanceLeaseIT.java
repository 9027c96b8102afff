package org.referralmonitor.ingest.instance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.referralmonitor.ingest.IngestTestApplication;
import org.referralmonitor.ingest.testsupport.PostgresTestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One process runs the jobs of a database: a second one waits for the holder and refuses to start
 * while it lives; a holder whose heartbeat lapsed, or whose process on this host is gone, is taken
 * over; a holder that was taken over stops. Simulated processes hold a lease of their own name, so
 * the application's lease (of the jobs, held by this JVM) is not disturbed.
 */
@SpringBootTest(classes = IngestTestApplication.class)
@ContextConfiguration(initializers = PostgresTestDatabase.Initializer.class)
class InstanceLeaseIT {

    static final String TEST = "test-lease";
    static final Duration TTL = Duration.ofSeconds(30);

    @Autowired
    JdbcClient jdbc;

    @Autowired
    TransactionTemplate tx;

    @Autowired
    InstanceLease jobs;

    final AtomicInteger lost = new AtomicInteger();

    @AfterEach
    void free() {
        jdbc.sql("DELETE FROM instance_lease WHERE name = :name").param("name", TEST).update();
    }

    /** A process on a machine of its own name (boot and pid namespace). */
    InstanceLease process(String holder, String host, long pid, Duration wait) {
        return process(holder, host, "machine of " + host, pid, wait);
    }

    InstanceLease process(String holder, String host, String machine, long pid, Duration wait) {
        return new InstanceLease(jdbc, tx, TEST, new InstanceLease.Self(holder, host, machine, pid), TTL, wait,
                lost::incrementAndGet);
    }

    @Test
    void theApplicationHoldsTheLeaseOfTheJobs() {
        InstanceLease.Holder holder = jobs.holder().orElseThrow();
        assertThat(holder.pid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(holder.heartbeatAt()).isAfterOrEqualTo(holder.acquiredAt());
    }

    @Test
    void aSecondProcessRefusesToStartWhileTheFirstLives() {
        InstanceLease first = process("first", "host-a", 111, Duration.ZERO);
        first.acquire();

        InstanceLease second = process("second", "host-b", 222, Duration.ofMillis(300));
        assertThatThrownBy(second::acquire).isInstanceOf(InstanceLease.HeldElsewhereException.class)
                .hasMessageStartingWith("Another referral-monitor process runs the jobs of this database: process 111 "
                        + "on host-a, since ")
                .hasMessageContaining("this process waited 0 s for it and does not start. Run one referral-monitor per "
                        + "database");
        assertThat(first.holder().orElseThrow().holder()).isEqualTo("first");

        first.renew();
        assertThat(lost).as("the holder keeps it").hasValue(0);
    }

    @Test
    void aLeaseWhoseHeartbeatLapsedIsTakenOverAndItsHolderStops() {
        InstanceLease first = process("first", "host-a", 111, Duration.ZERO);
        first.acquire();
        jdbc.sql("UPDATE instance_lease SET heartbeat_at = :old WHERE name = :name")
                .param("old", OffsetDateTime.now().minusMinutes(5)).param("name", TEST).update();

        InstanceLease second = process("second", "host-b", 222, Duration.ZERO);
        second.acquire();
        assertThat(second.holder().orElseThrow()).extracting(InstanceLease.Holder::holder, InstanceLease.Holder::host)
                .containsExactly("second", "host-b");

        first.renew();
        assertThat(lost).as("the stalled holder learns it and stops").hasValue(1);
        second.renew();
        assertThat(lost).hasValue(1);
    }

    @Test
    void onTheSameHostAHolderWhoseProcessIsGoneIsTakenOverAtOnceALiveOneIsNot() throws Exception {
        Process alive = new ProcessBuilder("sleep", "60").start();
        Process gone = new ProcessBuilder("true").start();
        assertThat(gone.waitFor(10, TimeUnit.SECONDS)).isTrue();
        try {
            process("crashed", "host-a", "this machine", gone.pid(), Duration.ZERO).acquire();
            InstanceLease restarted = process("restarted", "host-a", "this machine", alive.pid(), Duration.ZERO);
            restarted.acquire();
            assertThat(restarted.holder().orElseThrow().holder()).as("no wait for the lease to lapse")
                    .isEqualTo("restarted");

            InstanceLease neighbour = process("neighbour", "host-a", "this machine", 333_333_333L,
                    Duration.ofMillis(200));
            assertThatThrownBy(neighbour::acquire).as("the holder's process lives")
                    .isInstanceOf(InstanceLease.HeldElsewhereException.class)
                    .hasMessageContaining("process " + alive.pid() + " on host-a");

            alive.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            neighbour.acquire();
            assertThat(neighbour.holder().orElseThrow().holder()).isEqualTo("neighbour");
        } finally {
            alive.destroyForcibly();
        }
    }

    @Test
    void containersThatShareAHostNameAreNotTakenForTheSameMachine() {
        long me = ProcessHandle.current().pid();
        process("container-1", "monitor", "boot-1 pid:[1]", 1, Duration.ZERO).acquire();

        InstanceLease other = process("container-2", "monitor", "boot-1 pid:[2]", 1, Duration.ofMillis(200));
        assertThatThrownBy(other::acquire).as("pid 1 in another pid namespace is not this one")
                .isInstanceOf(InstanceLease.HeldElsewhereException.class);
        InstanceLease noMachine = process("elsewhere", "monitor", null, me, Duration.ofMillis(200));
        assertThatThrownBy(noMachine::acquire).as("where the machine cannot be told, only a lapse frees it")
                .isInstanceOf(InstanceLease.HeldElsewhereException.class);

        process("restarted", "monitor", "boot-1 pid:[1]", 1, Duration.ZERO).acquire();
        assertThat(other.holder().orElseThrow().holder()).as("the same container restarted, as pid 1 again")
                .isEqualTo("restarted");
    }

    @Test
    void aHolderWhoseLeaseWasTakenDoesNotTakeItBackAndOneGivenBackIsTakenAgain() {
        InstanceLease first = process("first", "host-a", 111, Duration.ZERO);
        first.acquire();
        jdbc.sql("DELETE FROM instance_lease WHERE name = :name").param("name", TEST).update();
        first.renew();
        assertThat(first.holder().orElseThrow().holder()).as("given back by another context of the JVM: taken again")
                .isEqualTo("first");
        assertThat(lost).hasValue(0);

        jdbc.sql("UPDATE instance_lease SET heartbeat_at = :old WHERE name = :name")
                .param("old", OffsetDateTime.now().minusMinutes(5)).param("name", TEST).update();
        InstanceLease second = process("second", "host-b", 222, Duration.ZERO);
        second.acquire();
        jdbc.sql("UPDATE instance_lease SET heartbeat_at = :old WHERE name = :name")
                .param("old", OffsetDateTime.now().minusMinutes(5)).param("name", TEST).update();
        first.renew();
        assertThat(lost).hasValue(1);
        assertThat(first.holder().orElseThrow().holder()).as("not taken back, though the new holder's lease lapsed")
                .isEqualTo("second");
    }

    @Test
    void aProcessThatStopsGivesTheLeaseBack() {
        InstanceLease first = process("first", "host-a", 111, Duration.ZERO);
        first.acquire();
        first.release();
        assertThat(first.holder()).isEmpty();
        process("second", "host-b", 222, Duration.ZERO).acquire();
        assertThat(first.holder().orElseThrow().holder()).isEqualTo("second");
    }
}
