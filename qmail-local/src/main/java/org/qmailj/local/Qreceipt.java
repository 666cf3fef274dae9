package org.qmailj.local;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.address.Token822;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueClients;
import org.qmailj.common.queue.QueueResult;

/**
 * qreceipt - respond to delivery notice requests (qreceipt(1)). In .qmail:
 * {@code |qreceipt youraddress}. When the message's header has youraddress in a
 * Notice-Requested-Upon-Delivery-To field, a success notice goes from the null sender to the
 * envelope sender ($SENDER), as qmail's qreceipt words it. No request, or a sender of "" or
 * "#@[]": nothing sent, exit 0. A field that does not parse: "qreceipt: fatal: unable to
 * parse this: " and the field, exit 100; queue trouble: 100 or 111.
 */
public final class Qreceipt {
    private static final String NOTICE = "notice-requested-upon-delivery-to";
    private static final String MESSAGE_ID = "message-id";

    private Qreceipt() {
    }

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        PrintStream err = System.err;
        int exit = run(args, env, new FileInputStream(FileDescriptor.in), err,
                () -> QueueClients.standard(QmailHome.current(), env));
        err.flush();
        Exit.now(exit);
    }

    interface Queue {
        QueueClient client();
    }

    static int run(String[] args, Map<String, String> env, InputStream stdin, PrintStream err, Queue queue) {
        String target = args.length > 0 ? args[0] : null;
        String returnPath = env.get("SENDER");
        if (target == null || returnPath == null) {
            err.println("qreceipt: usage: qreceipt deliveryaddress");
            return 100;
        }
        BufferedInputStream in = new BufferedInputStream(stdin, 8192);
        boolean receipt = false;
        String messageId = null;
        try {
            for (String field : HeaderFields.read(in).fields()) {
                String name = HeaderFields.name(field);
                if (name.equals(MESSAGE_ID)) {
                    messageId = field;
                } else if (name.equals(NOTICE)) {
                    Optional<List<String>> addrs = Token822.addresses(field.substring(field.indexOf(':') + 1));
                    if (addrs.isEmpty()) {
                        err.print("qreceipt: fatal: unable to parse this: " + field);
                        return 100;
                    }
                    if (addrs.get().contains(target)) receipt = true;
                }
            }
        } catch (IOException e) {
            err.println("qreceipt: fatal: read error");
            return 111;
        }
        if (receipt && !returnPath.isEmpty() && !returnPath.equals("#@[]")) {
            int exit = send(target, returnPath, messageId, queue, err);
            if (exit != 0) return exit;
        }
        try {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            err.println("qreceipt: fatal: read error");
            return 111;
        }
        return 0;
    }

    private static int send(String target, String returnPath, String messageId, Queue queue, PrintStream err) {
        String quoted = EnvelopeLines.quote2(returnPath);
        String notice = "From: DELIVERY NOTICE SYSTEM <" + quoted + ">\n"
                + "To: <" + quoted + ">\n"
                + "Subject: success notice\n"
                + "\n"
                + "Hi! This is the qreceipt program. Your message was delivered to the\n"
                + "following address: " + target + ". Thanks for asking.\n"
                + (messageId == null ? "" : "Your " + messageId);
        QueueResult r;
        try (QueueClient.Session s = queue.client().open()) {
            s.message().write(notice.getBytes(StandardCharsets.ISO_8859_1));
            r = s.commit(new Envelope("", List.of(returnPath)));
        } catch (IOException | IllegalArgumentException e) {
            err.println("qreceipt: fatal: unable to fork");
            return 111;
        }
        if (r.ok()) return 0;
        if (r.permanent()) {
            err.println("qreceipt: fatal: permanent qmail-queue error");
            return 100;
        }
        err.println("qreceipt: fatal: temporary qmail-queue error");
        return 111;
    }
}
