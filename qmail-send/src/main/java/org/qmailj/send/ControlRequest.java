package org.qmailj.send;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One request on qmail-send's control channel (README.md, "Control channel"): a verb and the
 * message numbers it acts on, parsed strictly from one line of at most {@link #MAX_LINE} bytes
 * of printable ASCII. Anything else is refused before the scheduler sees it.
 */
record ControlRequest(Verb verb, List<Long> ids) {
    /** The longest request line, newline included: about 200 message numbers. */
    static final int MAX_LINE = 4096;
    /** At most this many numbers per request, so that one request is a short step of the loop. */
    static final int MAX_IDS = 200;

    enum Verb {
        PING("ping", false),
        HOLD("hold", true),
        RELEASE("release", true),
        /** Delete without a bounce. */
        DELETE("delete", true),
        /** Delete, and bounce to the sender. */
        BOUNCE("bounce", true),
        RETRY("retry", true),
        /** Retry everything now, as SIGALRM. */
        RETRYALL("retryall", false),
        /** Bounce now, as if queuelifetime had passed. */
        EXPIRE("expire", true);

        final String word;
        final boolean takesIds;

        Verb(String word, boolean takesIds) {
            this.word = word;
            this.takesIds = takesIds;
        }
    }

    ControlRequest {
        ids = List.copyOf(ids);
    }

    /** The request as sent on the wire, newline included. */
    String line() {
        StringBuilder b = new StringBuilder(verb.word);
        for (long id : ids) b.append(' ').append(id);
        return b.append('\n').toString();
    }

    /**
     * Parses one line (without its newline): the verb, then for verbs that take them 1 to
     * {@link #MAX_IDS} message numbers, each separated by exactly one space. Message numbers
     * are decimal without leading zeros, 1 to 2^63-1. Empty if anything is off.
     */
    static Optional<ControlRequest> parse(byte[] line, int len) {
        if (len <= 0 || len >= MAX_LINE) return Optional.empty();
        for (int i = 0; i < len; i++) {
            int c = line[i] & 0xff;
            if (c < 0x20 || c > 0x7e) return Optional.empty();
        }
        String s = new String(line, 0, len, StandardCharsets.US_ASCII);
        String[] words = s.split(" ", -1);
        Verb verb = null;
        for (Verb v : Verb.values()) if (v.word.equals(words[0])) verb = v;
        if (verb == null) return Optional.empty();
        if (!verb.takesIds) return words.length == 1 ? Optional.of(new ControlRequest(verb, List.of())) : Optional.empty();
        if (words.length < 2 || words.length - 1 > MAX_IDS) return Optional.empty();
        List<Long> ids = new ArrayList<>(words.length - 1);
        for (int i = 1; i < words.length; i++) {
            Optional<Long> id = number(words[i]);
            if (id.isEmpty()) return Optional.empty();
            ids.add(id.get());
        }
        return Optional.of(new ControlRequest(verb, ids));
    }

    /** A message number: decimal, no sign, no leading zero, fits a long, not 0. */
    static Optional<Long> number(String w) {
        if (w.isEmpty() || w.length() > 19 || w.charAt(0) == '0') return Optional.empty();
        for (int i = 0; i < w.length(); i++) if (w.charAt(i) < '0' || w.charAt(i) > '9') return Optional.empty();
        try {
            return Optional.of(Long.parseLong(w));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
