package org.qmailj.common.log;

/**
 * The lines qmail-send prints (qmail-log(5)), formatted in one place so that qmailanalog's
 * matchup and operators' greps read ours as they read qmail's. Each method returns one line
 * with its trailing newline.
 *
 * <p>Text that comes from outside (delivery reports, senders, recipients) goes through
 * {@link #safe}: a newline shows as {@code /}; a space, a control byte, a byte above 126 and
 * {@code %} (which a syslog format string would eat) show as {@code _}.
 */
public final class QmailLog {
    private QmailLog() {}

    public static String safe(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            char r = c == '\n' ? '/' : (c == '%' || c < 33 || c > 126) ? '_' : c;
            if (r != c && b == null) b = new StringBuilder(s.substring(0, i));
            if (b != null) b.append(r);
        }
        return b == null ? s : b.toString();
    }

    public static String status(int local, int localMax, int remote, int remoteMax) {
        return "status: local " + local + "/" + localMax + " remote " + remote + "/" + remoteMax + "\n";
    }

    public static String statusExiting() { return "status: exiting\n"; }

    public static String newMsg(long msg) { return "new msg " + msg + "\n"; }

    public static String infoMsg(long msg, long bytes, String sender, long qp, long uid) {
        return "info msg " + msg + ": bytes " + bytes + " from <" + safe(sender) + "> qp " + qp + " uid " + uid + "\n";
    }

    public static String startingDelivery(long delivery, long msg, boolean local, String recipient) {
        return "starting delivery " + delivery + ": msg " + msg + " to " + (local ? "local " : "remote ") + safe(recipient) + "\n";
    }

    public enum Outcome { SUCCESS("success"), FAILURE("failure"), DEFERRAL("deferral");
        final String word;
        Outcome(String word) { this.word = word; }
    }

    /** {@code delivery d: success: report}; the report is the spawner's text without its K/Z/D byte. */
    public static String delivery(long delivery, Outcome outcome, String report) {
        return "delivery " + delivery + ": " + outcome.word + ": " + safe(report) + "\n";
    }

    public static String reportMangled(long delivery) {
        return "delivery " + delivery + ": report mangled, will defer\n";
    }

    public static String bounceMsg(long msg, long qp) { return "bounce msg " + msg + " qp " + qp + "\n"; }

    public static String tripleBounce(long msg) { return "triple bounce: discarding bounce/" + msg + "\n"; }

    public static String endMsg(long msg) { return "end msg " + msg + "\n"; }

    public static String alert(String what) { return "alert: " + what + "\n"; }

    public static String warning(String what) { return "warning: " + what + "\n"; }

    // The alerts and warnings of qmail-log(5), with netqmail's wording. File names are the
    // queue-relative names qmail prints (todo/457, mess/20/457, ...).

    public static String cannotStart(String why) { return alert("cannot start: " + why); }

    public static String cannotStartNoSpawn() { return cannotStart("hath the daemon spawn no fire?"); }

    public static String lostSpawn() { return alert("oh no! lost spawn connection! dying..."); }

    public static String lostClean() { return alert("oh no! lost qmail-clean connection! dying..."); }

    public static String unableToReread() { return alert("unable to reread controls: unable to read controls"); }

    public static String unableToAppendBounce() { return alert("unable to append to bounce message; HELP! sleeping..."); }

    public static String cleanFailed(String name) { return warning("qmail-clean unable to clean up " + name); }

    public static String troubleMarking(String file) { return warning("trouble marking " + file + "; message will be delivered twice!"); }

    /** {@code warning: unable to VERB FILE; will try again later} (stat, unlink, open, create). */
    public static String unableTo(String verb, String file) { return warning("unable to " + verb + " " + file + "; will try again later"); }

    /** {@code warning: trouble WHAT FILE; will try again later} (opening, reading, writing to, fsyncing). */
    public static String trouble(String what, String file) { return warning("trouble " + what + " " + file + "; will try again later"); }

    public static String unknownRecord(String file) { return warning("unknown record type in " + file); }

    public static String unableToUtime(String file) { return warning("unable to utime " + file + "; message will be retried too soon"); }

    public static String unableToStartQueue() { return warning("unable to start qmail-queue, will try later"); }

    public static String troubleInjecting() { return warning("trouble injecting bounce message, will try later"); }

    public static String reportOutOfRange() { return warning("internal error: delivery report out of range"); }

    public static String doubleBounce(long msg) { return "double bounce: discarding bounce/" + msg + "\n"; }

    public static String unableToOpendir(String dir) { return alert("unable to opendir " + dir + ", sleeping..."); }
}
