package org.referralmonitor.ingest.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

/**
 * Follows {@code Bundle.link[next]} exactly as the server wrote it, with two protections: a link
 * that is not a legal URI only has its illegal characters percent-encoded (nothing else changes),
 * and a link to another scheme, host or port is refused, so our credentials never go there.
 */
public final class NextLinks {

    private NextLinks() {
    }

    public static URI toUri(String link, URI base) throws RefusedUrlException {
        URI uri;
        try {
            uri = new URI(link);
        } catch (URISyntaxException e) {
            try {
                uri = new URI(encodeIllegal(link));
            } catch (URISyntaxException again) {
                throw new RefusedUrlException("the server's next-page link is not a usable URL: '" + link + "' ("
                        + again.getMessage() + ")");
            }
        }
        if (!uri.isAbsolute()) {
            uri = base.resolve(uri);
        }
        if (!sameOrigin(uri, base)) {
            throw new RefusedUrlException("the server's next-page link points at " + uri.getScheme() + "://"
                    + uri.getAuthority() + ", not at the endpoint's own host " + base.getScheme() + "://"
                    + base.getAuthority() + "; refusing to follow it (credentials are never sent to another host)");
        }
        return uri;
    }

    public static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** Percent-encodes characters that may not appear in a URI; keeps existing escapes and reserved characters. */
    static String encodeIllegal(String link) {
        StringBuilder out = new StringBuilder(link.length() + 16);
        for (byte b : link.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean legal = c > 0x20 && c < 0x7f && "\"<>\\^`{|}".indexOf(c) < 0;
            if (legal) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
