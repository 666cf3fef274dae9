package org.qmailj.remote.dkim;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which header fields a signature covers (its h= tag), and the fields' canonical text in
 * that order (RFC 6376 5.4).
 *
 * <p>Signed, in this order, every instance present of: From, Reply-To, Sender, To, Cc,
 * Subject, Date, Message-ID, In-Reply-To, References, MIME-Version, Content-Type,
 * Content-Transfer-Encoding; then every List-* field present (List-Id, List-Unsubscribe,
 * ...), in the order they first appear. Trace and transport fields (Received,
 * Return-Path, earlier DKIM-Signatures) are not signed: they change in transit.
 *
 * <p>Oversigning: each name of the fixed list is named once more than it occurs (once when
 * absent). RFC 5322 allows each of them at most once, so a verifier then fails a message to
 * which a second From: (or Subject:, To:, ...) was added in transit, rather than showing the
 * added one; and one added where there was none. List-* fields are not oversigned: a mailing
 * list that forwards the message adds its own.
 */
final class SignedHeaders {
    static final List<String> FIXED = List.of("from", "reply-to", "sender", "to", "cc", "subject", "date", "message-id",
            "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding");

    /** @param names the h= names, in order; @param canonical the signed fields, relaxed, each ending in CRLF */
    record Selection(List<String> names, String canonical) {
    }

    private SignedHeaders() {
    }

    static Selection select(List<String> fields) {
        List<String> names = new ArrayList<>();
        Set<String> lists = new LinkedHashSet<>();
        for (String f : fields) {
            String n = MessageScan.name(f).toLowerCase(Locale.ROOT);
            if (n.startsWith("list-")) lists.add(n);
        }
        StringBuilder canonical = new StringBuilder();
        for (String name : FIXED) add(name, fields, names, canonical, true);
        for (String name : lists) add(name, fields, names, canonical, false);
        return new Selection(List.copyOf(names), canonical.toString());
    }

    /** Names each instance, from the last up (RFC 6376 5.4.2), then once more when oversigned. */
    private static void add(String name, List<String> fields, List<String> names, StringBuilder canonical, boolean oversign) {
        for (int i = fields.size() - 1; i >= 0; i--) {
            String f = fields.get(i);
            if (MessageScan.name(f).equalsIgnoreCase(name)) {
                names.add(name);
                canonical.append(Relaxed.header(f)).append("\r\n");
            }
        }
        if (oversign) names.add(name);
    }
}
