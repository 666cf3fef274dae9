package org.qmailj.common.queue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The contents of {@code intd/N} and {@code todo/N}: {@code u}UID{@code \0} {@code p}PID{@code \0}
 * {@code F}sender{@code \0}, then {@code T}recipient{@code \0} for each recipient
 * (FORMATS.md). Unlike the input envelope there is no terminating extra NUL.
 *
 * <p>qmail-send ignores records it does not know only by logging "unknown record type";
 * {@link #decode} is strict and reports one as an error naming the byte, so the caller can log
 * and leave the file for a later try.
 */
public record TodoRecord(long uid, long pid, String sender, List<String> recipients) {

    public TodoRecord {
        recipients = List.copyOf(recipients);
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Envelope.record(out, 'u', Long.toString(uid));
        Envelope.record(out, 'p', Long.toString(pid));
        Envelope.record(out, 'F', sender);
        for (String r : recipients) Envelope.record(out, 'T', r);
        return out.toByteArray();
    }

    public static TodoRecord decode(byte[] data) throws IOException {
        long uid = -1;
        long pid = -1;
        String sender = null;
        List<String> recipients = new ArrayList<>();
        for (Text0 r : Text0.split(data, "todo")) {
            String value = r.value();
            switch (r.tag()) {
                case 'u' -> uid = number(value);
                case 'p' -> pid = number(value);
                case 'F' -> sender = value;
                case 'T' -> recipients.add(value);
                default -> throw new IOException("unknown record type " + (char) r.tag());
            }
        }
        if (sender == null) throw new IOException("todo record has no F record");
        return new TodoRecord(uid, pid, sender, recipients);
    }

    private static long number(String s) throws IOException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IOException("bad number in todo record: " + s);
        }
    }
}
