package org.referralmonitor.app.notify;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import org.referralmonitor.app.AppProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.mail.MailException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.stereotype.Component;

/**
 * E-mail through the mail server of Spring Boot's {@code spring.mail.*} (host, port, username; the
 * password from the environment). Plain text: alerts hold no patient data, and plain text reads the
 * same everywhere. The Message-ID is the delivery id, the same on every attempt.
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
        MimeMessage made = sender.createMimeMessage();
        MimeMessage mailMessage = message.id() == null ? made : new MimeMessage(made.getSession()) {

            /** The delivery id, not a new one per attempt: a mailbox that sees it twice can drop the copy. */
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", "<" + message.id() + "@referral-monitor>");
            }
        };
        try {
            MimeMessageHelper helper = new MimeMessageHelper(mailMessage, StandardCharsets.UTF_8.name());
            helper.setFrom(properties.notifications().from());
            helper.setTo(channel.to().toArray(String[]::new));
            helper.setSubject(message.subject());
            helper.setText(message.text());
        } catch (MessagingException e) {
            throw new SendFailedException("the message could not be made: " + e.getMessage());
        }
        try {
            sender.send(mailMessage);
        } catch (MailException e) {
            Throwable cause = e.getMostSpecificCause();
            throw new SendFailedException("the mail server did not take the message: " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage().strip()));
        }
    }
}
