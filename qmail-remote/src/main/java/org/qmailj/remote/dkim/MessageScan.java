package org.qmailj.remote.dkim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One streaming pass over a message as it stands in the queue (lines ending in LF): its
 * header fields, kept (at most {@link #MAX_HEADER} bytes of them), and the relaxed hash of
 * its body, computed as it passes. Memory is bounded by the header cap whatever the size of
 * the message.
 *
 * @param fields the header fields in order, continuation lines joined by LF, no final LF;
 *     empty when the scan failed
 * @param bodyHash the SHA-256 of the relaxed canonical body
 * @param problem why the message cannot be signed, or null
 */
public record MessageScan(List<String> fields, byte[] bodyHash, String problem) {
    /** The header section's cap; a message with more is sent unsigned. */
    public static final int MAX_HEADER = 1 << 20;

    public boolean ok() {
        return problem == null;
    }

    public static MessageScan of(InputStream in) throws IOException {
        return of(in, MAX_HEADER);
    }

    static MessageScan of(InputStream in, int maxHeader) throws IOException {
        ByteArrayOutputStream header = new ByteArrayOutputStream(4096);
        byte[] buf = new byte[65536];
        Relaxed.Body body = new Relaxed.Body();
        boolean inHeader = true;
        int last = '\n'; // so an empty line first ends an empty header section
        String problem = null;
        int r;
        while ((r = in.read(buf)) > 0) {
            int i = 0;
            if (inHeader) {
                for (; i < r; i++) {
                    byte c = buf[i];
                    if (c == '\n' && last == '\n') {
                        inHeader = false;
                        i++;
                        break;
                    }
                    last = c;
                    if (problem == null) {
                        if (header.size() >= maxHeader) problem = "header section over " + maxHeader + " bytes";
                        else header.write(c);
                    }
                }
            }
            if (!inHeader) body.update(buf, i, r - i);
        }
        byte[] hash = body.hash();
        if (problem != null) return new MessageScan(List.of(), hash, problem);
        List<String> fields = new ArrayList<>();
        String text = header.toString(StandardCharsets.ISO_8859_1);
        if (text.endsWith("\n")) text = text.substring(0, text.length() - 1);
        if (!text.isEmpty()) {
            for (String line : text.split("\n", -1)) {
                if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                    if (fields.isEmpty()) return new MessageScan(List.of(), hash, "header section starts with a continuation line");
                    fields.set(fields.size() - 1, fields.getLast() + "\n" + line);
                } else if (!validFieldStart(line)) {
                    return new MessageScan(List.of(), hash, "a header line is not a field: " + abbreviate(line));
                } else {
                    fields.add(line);
                }
            }
        }
        return new MessageScan(List.copyOf(fields), hash, null);
    }

    /** RFC 5322 field-name (printable ASCII but colon) then optional WSP, then a colon. */
    private static boolean validFieldStart(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) return false;
        String name = line.substring(0, colon).stripTrailing();
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126) return false;
        }
        return true;
    }

    private static String abbreviate(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 40; i++) {
            char c = s.charAt(i);
            b.append(c >= 32 && c < 127 ? c : '?');
        }
        return b.toString();
    }

    /** The name of a field (before the colon, trailing WSP dropped). */
    static String name(String field) {
        return field.substring(0, field.indexOf(':')).stripTrailing();
    }
}
