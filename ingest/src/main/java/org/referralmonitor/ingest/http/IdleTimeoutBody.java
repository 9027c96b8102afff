package org.referralmonitor.ingest.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A large response body read as a stream that gives up once the reader has waited longer than the
 * idle timeout for its next bytes: a server that sent the headers and then stalls would otherwise
 * hold the download (and its sync) forever. Only time spent waiting in {@code read} counts, never
 * time the reader spends elsewhere (writing what it read), so a slow consumer is never cut off. The
 * stalled read fails with an {@link HttpTimeoutException} and the connection is given up.
 */
final class IdleTimeoutBody implements HttpResponse.BodySubscriber<InputStream> {

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "http-idle-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    private final HttpResponse.BodySubscriber<InputStream> stream = HttpResponse.BodySubscribers.ofInputStream();
    private final URI uri;
    private final long idleNanos;
    private final Duration idle;
    private Flow.Subscription subscription;
    private ScheduledFuture<?> check;
    private boolean ended;
    /** When the reader started waiting in {@code read}, or 0 while it is not waiting. */
    private volatile long waitingSince;
    private volatile boolean timedOut;

    IdleTimeoutBody(URI uri, Duration idle) {
        this.uri = uri;
        this.idle = idle;
        this.idleNanos = idle.toNanos();
    }

    @Override
    public synchronized void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        stream.onSubscribe(subscription);
        long period = Math.max(10, idle.toMillis() / 4);
        check = WATCHDOG.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void onNext(List<ByteBuffer> item) {
        if (!ended) {
            stream.onNext(item);
        }
    }

    @Override
    public synchronized void onError(Throwable throwable) {
        if (end()) {
            stream.onError(throwable);
        }
    }

    @Override
    public synchronized void onComplete() {
        if (end()) {
            stream.onComplete();
        }
    }

    @Override
    public CompletionStage<InputStream> getBody() {
        return stream.getBody().thenApply(Watched::new);
    }

    /** Ends the body once (upstream's end or our timeout, whichever comes first). */
    private boolean end() {
        if (ended) {
            return false;
        }
        ended = true;
        if (check != null) {
            check.cancel(false);
        }
        return true;
    }

    /** The watchdog's look: a reader waiting longer than the idle timeout ends the body with an error. */
    private void check() {
        long since = waitingSince;
        if (since == 0 || System.nanoTime() - since < idleNanos) {
            return;
        }
        Flow.Subscription upstream;
        synchronized (this) {
            if (!end()) {
                return;
            }
            timedOut = true;
            upstream = subscription;
            stream.onError(timeout(null));
        }
        if (upstream != null) {
            upstream.cancel();
        }
    }

    private HttpTimeoutException timeout(IOException cause) {
        HttpTimeoutException e = new HttpTimeoutException("no data for " + idle.toMillis() + " ms from " + uri
                + " (read-idle-timeout): the download stalled and was given up");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    private void stopWatching() {
        synchronized (this) {
            if (check != null) {
                check.cancel(false);
            }
        }
    }

    /** The body as the reader sees it: each read timed while it waits. */
    private final class Watched extends FilterInputStream {

        Watched(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            waitingSince = System.nanoTime();
            try {
                return super.read();
            } catch (IOException e) {
                throw timedOut ? timeout(e) : e;
            } finally {
                waitingSince = 0;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            waitingSince = System.nanoTime();
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw timedOut ? timeout(e) : e;
            } finally {
                waitingSince = 0;
            }
        }

        @Override
        public void close() throws IOException {
            stopWatching();
            super.close();
        }
    }
}
