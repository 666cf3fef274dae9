package org.qmailj.remote.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One streaming pass over a message as it stands in the queue (lines ending in LF): the
 * header fields a signature covers ({@link SignedHeaders}; the others are only counted), and
 * the relaxed hash of the body, computed as it passes.
 *
 * <p>Memory: the header section may be at most {@link #MAX_HEADER} bytes (more: the message
 * goes unsigned). The fields kept are charged, four times over for the copies signing makes
 * of them, to one budget shared by all the signatures being made in this JVM (qmail-rspawn
 * runs many deliveries in a small heap); when it is spent, the delivery fails temporarily
 * and is retried later rather than sent unsigned. {@link #release} gives the charge back.
 *
 * @param fields the kept header fields in order, continuation lines joined by LF, no final LF;
 *     empty when the scan found a problem
 * @param bodyHash the SHA-256 of the relaxed canonical body
 * @param problem why the message cannot be signed, or null
 * @param charged what this scan holds of the budget
 */
public record MessageScan(List<String> fields, byte[] bodyHash, String problem, long charged) {
    /** The header section's cap; a message with more is sent unsigned. */
    public static final int MAX_HEADER = 1 << 20;
    /** The budget of all scans at once, in bytes of heap (fields kept x COPIES). */
    static final long BUDGET = 4L << 20;
    static final int COPIES = 4;
    private static final int CHUNK = 4096;
    private static final AtomicLong available = new AtomicLong(BUDGET);

    /** The budget was spent: too many big header sections are being signed at once. */
    public static final class BudgetExceeded extends IOException {
        BudgetExceeded() {
            super("DKIM: the memory for header sections being signed is spent; try again later");
        }
    }

    public boolean ok() {
        return problem == null;
    }

    /** Gives back what the scan holds of the budget (once). */
    public void release() {
        if (charged > 0) available.addAndGet(charged);
    }

    static long available() {
        return available.get();
    }

    public static MessageScan of(InputStream in) throws IOException {
        return of(in, MAX_HEADER);
    }

    static MessageScan of(InputStream in, int maxHeader) throws IOException {
        Scanner s = new Scanner(maxHeader);
        try {
            byte[] buf = new byte[16384];
            int r;
            while ((r = in.read(buf)) > 0) s.update(buf, 0, r);
            return s.finish();
        } catch (IOException | RuntimeException e) {
            s.refund();
            throw e;
        }
    }

    /** The name of a field (before the colon, trailing WSP dropped). */
    static String name(String field) {
        return field.substring(0, field.indexOf(':')).stripTrailing();
    }

    /** The state machine over the bytes: header fields, then the body. */
    private static final class Scanner {
        private enum State { LINE_START, NAME, VALUE, BODY }

        private final int maxHeader;
        private final Relaxed.Body body = new Relaxed.Body();
        private final List<String> fields = new ArrayList<>();
        private final StringBuilder name = new StringBuilder();
        private StringBuilder kept; // the current field, when it is one to keep
        private boolean inField;
        private State state = State.LINE_START;
        private long headerBytes;
        private long keptBytes;
        private long charged;
        private String problem;

        Scanner(int maxHeader) {
            this.maxHeader = maxHeader;
        }

        void update(byte[] b, int off, int len) throws BudgetExceeded {
            int end = off + len;
            for (int i = off; i < end; i++) {
                if (state == State.BODY) {
                    body.update(b, i, end - i);
                    return;
                }
                byte c = b[i];
                if (state == State.LINE_START && c == '\n') {
                    endField();
                    state = State.BODY;
                    continue;
                }
                if (problem == null && ++headerBytes > maxHeader) fail("header section over " + maxHeader + " bytes");
                switch (state) {
                    case LINE_START -> {
                        if (c == ' ' || c == '\t') {
                            if (!inField) fail("header section starts with a continuation line");
                            keep('\n');
                            keep(c);
                            state = State.VALUE;
                        } else {
                            endField();
                            name.setLength(0);
                            name.append((char) (c & 0xff));
                            state = State.NAME;
                        }
                    }
                    case NAME -> {
                        if (c == ':') {
                            startField();
                            state = State.VALUE;
                        } else if (c == '\n') {
                            fail("a header line is not a field: " + printable(name));
                            state = State.LINE_START;
                        } else {
                            if (name.length() < 1000) name.append((char) (c & 0xff));
                            else fail("a header field name is over 1000 bytes");
                        }
                    }
                    case VALUE -> {
                        if (c == '\n') state = State.LINE_START;
                        else keep(c);
                    }
                    default -> throw new IllegalStateException();
                }
            }
        }

        private void startField() {
            inField = true;
            kept = null;
            String n = name.toString().stripTrailing();
            if (n.isEmpty() || !n.chars().allMatch(ch -> ch >= 33 && ch <= 126)) {
                fail("a header line is not a field: " + printable(name));
                return;
            }
            if (problem != null) return;
            String lower = n.toLowerCase(Locale.ROOT);
            if (SignedHeaders.FIXED.contains(lower) || lower.startsWith("list-")) {
                kept = new StringBuilder(name).append(':');
                keptBytes += kept.length();
            }
        }

        /** Appends to the field being kept, charging the budget as it grows. */
        private void keep(byte c) throws BudgetExceeded {
            if (kept == null || problem != null) return;
            kept.append((char) (c & 0xff));
            if (++keptBytes * COPIES > charged) charge();
        }

        private void keep(char c) throws BudgetExceeded {
            keep((byte) c);
        }

        private void endField() {
            if (kept != null && problem == null) fields.add(kept.toString());
            kept = null;
        }

        private void charge() throws BudgetExceeded {
            while (keptBytes * COPIES > charged) {
                long want = (long) CHUNK * COPIES;
                if (available.addAndGet(-want) < 0) {
                    available.addAndGet(want);
                    throw new BudgetExceeded();
                }
                charged += want;
            }
        }

        private void fail(String why) {
            if (problem == null) problem = why;
            fields.clear();
            kept = null;
        }

        void refund() {
            if (charged > 0) available.addAndGet(charged);
            charged = 0;
        }

        MessageScan finish() {
            if (state != State.BODY) endField(); // no empty line: all header, no body
            byte[] hash = body.hash();
            if (problem != null) {
                refund();
                return new MessageScan(List.of(), hash, problem, 0);
            }
            return new MessageScan(List.copyOf(fields), hash, null, charged);
        }

        private static String printable(CharSequence s) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < s.length() && i < 40; i++) {
                char c = s.charAt(i);
                b.append(c >= 32 && c < 127 ? c : '?');
            }
            return b.toString();
        }
    }
}
