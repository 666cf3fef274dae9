package org.qmailj.tcpserver;

import java.util.List;
import java.util.Optional;

/**
 * rblsmtpd(1) in-process: the same decision (from the connection's environment, so
 * RBLSMTPD set by tcprules or envdir counts) and, for a blocked client, the same
 * conversation on the connection; its log line names the connection's number as the pid
 * ("rblsmtpd: 1.2.3.4 pid 7: 451 text"), which is tcpserver's "pid 7" line's number.
 */
public final class RblsmtpdStage implements Wrapper {
    @Override
    public String name() {
        return "rblsmtpd";
    }

    @Override
    public Optional<Parsed> parse(List<String> argv) {
        Optional<Rbl> p = Rbl.parse(argv.subList(1, argv.size())).rbl();
        if (p.isEmpty()) return Optional.empty();
        Rbl rbl = p.get();
        Stage stage = (c, next) -> {
            Rbl.Decision d = rbl.decide(c.env, RblDns.get());
            if (!d.blocked()) return next.run(c);
            c.line("rblsmtpd: " + d.ip() + " pid " + c.id + ": " + d.message());
            RblDialog.run(d.message(), rbl.timeout, c.wire);
            return 0;
        };
        return Optional.of(new Parsed(stage, rbl.program));
    }
}
