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
}
