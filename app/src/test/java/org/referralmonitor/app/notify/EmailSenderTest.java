package org.referralmonitor.app.notify;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.referralmonitor.app.AppProperties;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.mail.javamail.JavaMailSender;

class EmailSenderTest {

    @Test
    void withoutAMailServerTheErrorSaysWhatToSet() {
        EmailSender sender = new EmailSender(new DefaultListableBeanFactory().getBeanProvider(JavaMailSender.class),
                new AppProperties(null, null, null, true, java.util.List.of(), null, null, new AppProperties.Notifications(null, 8, null, "07:00",
                        List.of(), "monitor@example.org", "", null, List.of())));
        NotificationChannel channel = new NotificationChannel("c", "clinic", "EMAIL", List.of("a@b.test"), null, true,
                true, false, false, true, "API", null);

        assertThatThrownBy(() -> sender.send(channel, new Message("s", "t", java.util.Map.of())))
                .isInstanceOf(SendFailedException.class)
                .hasMessage("no mail server is configured: set spring.mail.host (and spring.mail.port, "
                        + "spring.mail.username, SPRING_MAIL_PASSWORD) to send e-mail");
    }
}
