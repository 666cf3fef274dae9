package org.qmailj.remote.dkim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The domain of a From: field's one mailbox (RFC 5322 3.6.2), the domain DKIM signs as:
 * comments and quoted strings are skipped, an angle address wins over the display name. A
 * field with no mailbox or with several (the Sender: case), or a domain that is not a plain
 * ASCII host name (an address literal, UTF-8), has none: such mail is sent unsigned.
 */
final class FromDomain {
    private FromDomain() {
    }

    /** @param value the field's value (after the colon), folded or not */
    static Optional<String> of(String value) {
        List<String> mailboxes = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        String angle = null;
        int depth = 0;
        boolean quoted = false;
        boolean inAngle = false;
        StringBuilder angleText = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (quoted) {
                if (c == '\\') i++;
                else if (c == '"') quoted = false;
                continue;
            }
            if (depth > 0) {
                if (c == '\\') i++;
                else if (c == '(') depth++;
                else if (c == ')') depth--;
                continue;
            }
            switch (c) {
                case '"' -> quoted = true;
                case '(' -> depth++;
                case '<' -> {
                    inAngle = true;
                    angleText.setLength(0);
                }
                case '>' -> {
                    inAngle = false;
                    angle = angleText.toString();
                }
                case ',', ':', ';' -> {
                    if (inAngle) {
                        angleText.append(c); // a source route: @a,@b:box@host
                    } else if (c == ',') {
                        add(mailboxes, angle, cur);
                        angle = null;
                        cur.setLength(0);
                    } else {
                        cur.setLength(0); // a group's display name ends at ':'; ';' ends the group
                        angle = null;
                    }
                }
                default -> (inAngle ? angleText : cur).append(c);
            }
        }
        if (quoted || depth > 0 || inAngle) return Optional.empty();
        add(mailboxes, angle, cur);
        if (mailboxes.size() != 1) return Optional.empty();
        String box = mailboxes.getFirst();
        int colon = box.lastIndexOf(':');
        if (colon >= 0) box = box.substring(colon + 1); // the source route goes
        int at = box.lastIndexOf('@');
        if (at < 0) return Optional.empty();
        String domain = box.substring(at + 1).strip().toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) domain = domain.substring(0, domain.length() - 1);
        domain = domain.replaceAll("[ \t\r\n]", "");
        return DkimKeys.DOMAIN.matcher(domain).matches() ? Optional.of(domain) : Optional.empty();
    }

    private static void add(List<String> mailboxes, String angle, StringBuilder cur) {
        String box = angle != null ? angle : cur.toString().strip();
        box = box.replaceAll("[ \t\r\n]", "");
        if (!box.isEmpty()) mailboxes.add(box);
    }
}
