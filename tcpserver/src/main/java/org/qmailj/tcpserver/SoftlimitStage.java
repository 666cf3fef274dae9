package org.qmailj.tcpserver;

import java.util.List;
import java.util.Optional;
import org.qmailj.common.cli.SoftlimitOptions;

/**
 * softlimit(8) in-process. Its options are parsed as softlimit parses them (a usage error
 * makes tcpserver exec the chain, so softlimit reports it per connection as before), and
 * accepted and noted: rlimits belong to a process, and the in-process session has none of
 * its own. What bounds a session instead is its budget (qmail-smtpd's README, "Budgets":
 * 4 KiB command lines, maxrcpt/maxrcptbytes, streamed messages, -c sessions) and tcpserver's
 * -Xmx for all of them; -m/-d/-a/-s/-l/-r (memory) are covered by those, -o (files) and -p
 * (processes) by the session's fixed use (a socket, one queue client at a time), -f and -t
 * have no in-process counterpart. tcpserver/README.md says so.
 */
public final class SoftlimitStage implements Wrapper {
    @Override
    public String name() {
        return "softlimit";
    }

    @Override
    public Optional<Parsed> parse(List<String> argv) {
        try {
            SoftlimitOptions o = SoftlimitOptions.parse(argv.subList(1, argv.size()));
            return Optional.of(new Parsed((c, next) -> next.run(c), o.child()));
        } catch (SoftlimitOptions.UsageError e) {
            return Optional.empty();
        }
    }
}
