package org.qmailj.local;

import java.util.List;
import org.qmailj.common.Exit;

/**
 * forward - forward new mail to one or more addresses (forward(1)). In .qmail:
 * {@code |forward address ...}: the message on stdin, with $DTLINE in front, is queued from
 * $NEWSENDER to the addresses. Exit 0, 100 or 111 as the queue answers.
 */
public final class Forward {
    private Forward() {
    }

    public static void main(String[] args) {
        if (args.length == 0) HelperSupport.die(100, "forward: usage: forward address [ address ... ]");
        String sender = HelperSupport.env("forward", "NEWSENDER");
        String dtline = HelperSupport.env("forward", "DTLINE");
        // Streamed: the queue takes the message as it is read.
        HelperSupport.forward("forward", sender, dtline, List.of(args), System.in);
        Exit.now(0);
    }
}
