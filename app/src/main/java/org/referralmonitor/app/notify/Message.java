package org.referralmonitor.app.notify;

import java.util.Map;

/**
 * One message to a channel: a subject and a plain-text body (e-mail; a webhook's {@code text}, which
 * chat tools show), and the same facts as structured fields for a webhook's JSON.
 */
record Message(String subject, String text, Map<String, Object> payload) {
}
