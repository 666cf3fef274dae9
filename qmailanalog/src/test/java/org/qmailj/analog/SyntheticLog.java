package org.qmailj.analog;

import java.math.BigDecimal;
import org.qmailj.common.log.QmailLog;

/**
 * A qmail-send log as multilog keeps it, written with qmail-send's own {@link QmailLog}
 * formatting, at chosen times (seconds after {@link #T0}, quarter seconds allowed).
 */
final class SyntheticLog {
    /** 2025-12-03 09:16:38 UTC, a whole second. */
    static final long T0 = 1764753398L;

    private final StringBuilder b = new StringBuilder();

    SyntheticLog at(double t, String line) {
        b.append(tai64n(t)).append(' ').append(line);
        return this;
    }

    static String tai64n(double t) {
        BigDecimal abs = BigDecimal.valueOf(T0).add(BigDecimal.valueOf(t));
        long secs = abs.longValue();
        long nanos = abs.subtract(BigDecimal.valueOf(secs)).movePointRight(9).longValue();
        return String.format("@%016x%08x", secs + 0x400000000000000AL, nanos);
    }

    /** The stamp matchup writes for time t. */
    static String stamp(double t) {
        BigDecimal abs = BigDecimal.valueOf(T0).add(BigDecimal.valueOf(t));
        long secs = abs.longValue();
        return secs + "." + String.format("%09d", abs.subtract(BigDecimal.valueOf(secs)).movePointRight(9).longValue());
    }

    @Override
    public String toString() {
        return b.toString();
    }
}
