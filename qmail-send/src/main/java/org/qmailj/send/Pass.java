package org.qmailj.send;

import org.qmailj.common.queue.RecipientFile;

/**
 * The walk of one channel through its due messages (qmail's pass_*): take the message due
 * first from the channel's {@link Prioq}, open its {@link Job}, and start a delivery for each
 * NOT DONE recipient while a slot is free. Several jobs of a channel can have deliveries out
 * at once; the pass holds only the one it is still starting. Scheduler thread only.
 */
final class Pass {
    private final Channel channel;
    private final Scheduler s;
    private Job current;

    Pass(Channel channel, Scheduler s) {
        this.channel = channel;
        this.s = s;
    }

    /** When this pass next has work: 0 now, Long.MAX_VALUE never (until an event). */
    long selprep() {
        Deliveries d = s.deliveries(channel);
        if (s.exiting() || d == null || !d.hasFree()) return Long.MAX_VALUE;
        if (current != null) return 0;
        Prioq.Entry e = s.prioq(channel).min();
        return e == null ? Long.MAX_VALUE : e.dt();
    }

    /** The job this pass is still starting deliveries of, or null. */
    Job current() { return current; }

    void run(long now) {
        Deliveries d = s.deliveries(channel);
        if (d == null) return;
        while (!s.exiting() && d.hasFree()) {
            if (current == null) {
                Prioq.Entry e = s.prioq(channel).min();
                if (e == null || e.dt() > now) return;
                s.prioq(channel).pop();
                current = s.openJob(e.id(), channel, now);
                if (current == null) continue;
            }
            RecipientFile.Entry r = current.nextTodo();
            if (r == null) {
                Job j = current;
                current = null;
                if (j.outstanding == 0) s.closeJob(j, now);
                continue;
            }
            s.startDelivery(current, r);
            if (current.hitEof()) current = null;
        }
    }
}
