package org.referralmonitor.app.notify;

/** Sends messages over one kind of channel. */
interface Sender {

    /** EMAIL or WEBHOOK. */
    String kind();

    void send(NotificationChannel channel, Message message) throws SendFailedException;
}
