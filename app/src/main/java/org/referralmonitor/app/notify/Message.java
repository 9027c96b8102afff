package org.referralmonitor.app.notify;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One message to a channel: a subject and a plain-text body (e-mail; a webhook's {@code text}, which
 * chat tools show), and the same facts as structured fields for a webhook's JSON.
 *
 * @param id the same for every attempt to send the same parts of the outbox (see
 *     {@link NotificationDispatcher#deliveryId}), so a receiver can drop a message sent twice (a
 *     process stopped between the send and the outbox's update sends it again); null for a test message
 */
record Message(String subject, String text, Map<String, Object> payload, String id) {

    Message(String subject, String text, Map<String, Object> payload) {
        this(subject, text, payload, null);
    }

    /** The message with its delivery id, in the payload too (as {@code id}) for receivers that see no headers. */
    Message withId(String deliveryId) {
        Map<String, Object> withId = new LinkedHashMap<>();
        withId.put("id", deliveryId);
        withId.putAll(payload);
        return new Message(subject, text, withId, deliveryId);
    }
}
