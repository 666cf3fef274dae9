package org.qmailj.send;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import org.qmailj.common.log.QmailLog;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueLayout;
import org.qmailj.common.queue.QueueResult;

/**
 * Turns {@code bounce/N} and {@code mess/N} into a bounce message and queues it, as
 * qmail-send's injectbounce does (INTERNALS.md section 5):
 * <ul>
 * <li>sender {@code <>}: a single bounce to the sender (VERP {@code owner-@host-@[]} goes to
 *     {@code owner-@host}), From {@code bouncefrom@bouncehost};
 * <li>sender empty: a double bounce from {@code #@[]} to {@code doublebounceto@doublebouncehost},
 *     or discarded when doublebounceto is empty;
 * <li>sender {@code #@[]}: the bounce of a double bounce, discarded ("triple bounce").
 * </ul>
 * Scheduler thread.
 */
final class Bounce {
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    private Bounce() {}

    /**
     * Handles bounce/N, which the caller found or wrote (most finished messages have none, and
     * the scheduler knows without asking). True when bounce/N is gone (injected, discarded or
     * not there after all); false to try again later.
     */
    static boolean handle(long id, QueueLayout queue, SendControl ctl, QueueClient client, SendLog log, long now) {
        byte[] bounce;
        try {
            bounce = Files.readAllBytes(queue.bounce(id));
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            log.line(QmailLog.trouble("reading", "bounce/" + id));
            return false;
        }
        String sender;
        try {
            byte[] info = Files.readAllBytes(queue.info(id));
            if (info.length < 2 || info[0] != 'F' || info[info.length - 1] != 0) throw new IOException("bad info");
            sender = new String(info, 1, info.length - 2, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            log.line(QmailLog.trouble("reading", Todo.name("info", id)));
            return false;
        }
        // owner-@host-@[] -> owner-@host
        if (sender.endsWith("-@[]")) sender = sender.substring(0, sender.length() - 4);

        if (sender.equals("#@[]")) {
            log.line(QmailLog.tripleBounce(id));
        } else if (sender.isEmpty() && ctl.doublebounce().startsWith("@")) {
            log.line(QmailLog.doubleBounce(id));
        } else {
            String bounceSender = sender.isEmpty() ? "#@[]" : "";
            String bounceRecip = sender.isEmpty() ? ctl.doublebounce() : sender;
            QueueResult result;
            try (QueueClient.Session s = client.open()) {
                OutputStream out = s.message();
                out.write(head(ctl, bounceRecip, sender, now).getBytes(StandardCharsets.ISO_8859_1));
                out.write(bounce);
                out.write(tail(sender).getBytes(StandardCharsets.ISO_8859_1));
                try (InputStream mess = Files.newInputStream(queue.mess(id))) {
                    mess.transferTo(out);
                }
                result = s.commit(new Envelope(bounceSender, List.of(bounceRecip)));
            } catch (IOException e) {
                log.line(QmailLog.unableToStartQueue());
                return false;
            }
            if (!result.ok()) {
                log.line(QmailLog.troubleInjecting());
                return false;
            }
            // qp: what the queue recorded as the bounce's p field, so that this line and the
            // bounce's own "info msg M: ... qp Q" name the same number (matchup joins on it).
            log.line(QmailLog.bounceMsg(id, result.qp()));
        }
        try {
            Files.deleteIfExists(queue.bounce(id));
        } catch (IOException e) {
            log.line(QmailLog.unableTo("unlink", "bounce/" + id));
            return false;
        }
        return true;
    }

    /** Everything before the contents of bounce/N. */
    static String head(SendControl ctl, String to, String sender, long now) {
        ZonedDateTime t = Instant.ofEpochSecond(now).atZone(ZoneOffset.UTC);
        String date = t.getDayOfMonth() + " " + MONTHS[t.getMonthValue() - 1] + " " + t.getYear() + " "
                + String.format(Locale.ROOT, "%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond()) + " -0000";
        String msgid = String.format(Locale.ROOT, "%04d%02d%02d%02d%02d%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth(),
                t.getHour(), t.getMinute(), t.getSecond()) + "." + ProcessHandle.current().pid() + ".qmail@" + ctl.bouncehost();
        StringBuilder b = new StringBuilder();
        b.append("Date: ").append(date).append('\n');
        b.append("Message-ID: <").append(msgid).append(">\n");
        b.append("From: ").append(quote(ctl.bouncefrom())).append('@').append(ctl.bouncehost()).append('\n');
        b.append("To: ").append(quote2(to)).append('\n');
        b.append("Subject: failure notice\n\n");
        b.append("Hi. This is the qmail-send program at ").append(ctl.bouncehost()).append(".\n");
        if (!sender.isEmpty()) {
            b.append("I'm afraid I wasn't able to deliver your message to the following addresses.\n"
                    + "This is a permanent error; I've given up. Sorry it didn't work out.\n\n");
        } else {
            b.append("I tried to deliver a bounce message to this address, but the bounce bounced!\n\n");
        }
        return b.toString();
    }

    /** Between bounce/N and the copy of the message. */
    static String tail(String sender) {
        return (sender.isEmpty() ? "--- Below this line is the original bounce.\n\n" : "--- Below this line is a copy of the message.\n\n")
                + "Return-Path: <" + quote2(sender) + ">\n";
    }

    /** The bounce/N paragraph for one permanently failed recipient. */
    static String paragraph(String recipient, String text) {
        return "<" + recipient.replace('\n', '_') + ">:\n" + text + "\n";
    }

    /** qmail's quote2: quote the local part of an address if RFC 822 needs it. */
    static String quote2(String addr) {
        int at = addr.lastIndexOf('@');
        if (at < 0) return quote(addr);
        return quote(addr.substring(0, at)) + addr.substring(at);
    }

    /** qmail's quote: a local part as is when it is a dot-atom, else in double quotes. */
    static String quote(String local) {
        boolean ok = !local.isEmpty() && !local.startsWith(".") && !local.endsWith(".") && !local.contains("..");
        for (int i = 0; ok && i < local.length(); i++) {
            char c = local.charAt(i);
            if (c <= 32 || c >= 127 || "()<>@,;:\\\"[]".indexOf(c) >= 0) ok = false;
        }
        if (ok || local.isEmpty()) return local;
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '"' || c == '\\' || c == '\r') b.append('\\');
            b.append(c);
        }
        return b.append('"').toString();
    }
}
