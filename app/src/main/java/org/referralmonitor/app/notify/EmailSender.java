package org.referralmonitor.app.notify;

import org.referralmonitor.app.AppProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.mail.MailException;
import org.springframework.mail.SimpleMailMessage;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.stereotype.Component;

/**
 * E-mail through the mail server of Spring Boot's {@code spring.mail.*} (host, port, username; the
 * password from the environment). Plain text: alerts hold no patient data, and plain text reads the
 * same everywhere.
 */
@Component
class EmailSender implements Sender {

    private final ObjectProvider<JavaMailSender> mail;
    private final AppProperties properties;

    EmailSender(ObjectProvider<JavaMailSender> mail, AppProperties properties) {
        this.mail = mail;
        this.properties = properties;
    }

    @Override
    public String kind() {
        return NotificationChannel.EMAIL;
    }

    @Override
    public void send(NotificationChannel channel, Message message) throws SendFailedException {
        JavaMailSender sender = mail.getIfAvailable();
        if (sender == null) {
            throw new SendFailedException("no mail server is configured: set spring.mail.host (and spring.mail.port, "
                    + "spring.mail.username, SPRING_MAIL_PASSWORD) to send e-mail");
        }
        SimpleMailMessage mailMessage = new SimpleMailMessage();
        mailMessage.setFrom(properties.notifications().from());
        mailMessage.setTo(channel.to().toArray(String[]::new));
        mailMessage.setSubject(message.subject());
        mailMessage.setText(message.text());
        try {
            sender.send(mailMessage);
        } catch (MailException e) {
            Throwable cause = e.getMostSpecificCause();
            throw new SendFailedException("the mail server did not take the message: " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage().strip()));
        }
    }
}
