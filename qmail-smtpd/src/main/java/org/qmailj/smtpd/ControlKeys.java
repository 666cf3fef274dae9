package org.qmailj.smtpd;

import java.util.List;
import org.qmailj.common.address.ConstMap;

/**
 * The lookup table of one control list (rcpthosts, badmailfrom), built again only when
 * {@link org.qmailj.common.control.ControlFile#readList} gives another list: it gives the
 * same instance while the file is unchanged, so sessions of one tcpserver share one table
 * instead of hashing the file's lines for every connection. Thread-safe.
 */
final class ControlKeys {
    private record Built(List<String> from, ConstMap map) { }

    private volatile Built last;

    ConstMap of(List<String> lines) {
        Built b = last;
        if (b != null && b.from() == lines) return b.map();
        ConstMap m = ConstMap.ofKeys(lines);
        last = new Built(lines, m);
        return m;
    }
}
