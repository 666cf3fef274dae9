package org.qmailj.queue;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueClients;
import org.qmailj.common.sys.Proc;
import org.qmailj.common.sys.SysException;

/**
 * sendmail - qmail's sendmail wrapper, ready to be linked as /usr/sbin/sendmail and
 * /usr/lib/sendmail.
 *
 * <p>Options as qmail's wrapper takes them: {@code -t} (recipients from the header and the
 * arguments: qmail-inject -H; otherwise qmail-inject -a), {@code -f sender}, {@code -F name}
 * (MAILNAME), {@code -bp} (qmail-qread), {@code -bs} (an SMTP session on stdin/stdout: this
 * process execs bin/qmail-smtpd with PROTO=TCP, RELAYCLIENT, DATABYTES=0 and loopback TCP*
 * variables unless PROTO is set), {@code -bm}; ignored: {@code -B x -p x -v -i -x -m -e x
 * -o x} (so {@code -oi}, {@code -odb}, {@code -oem}), {@code -E}/{@code -J} with an attached
 * argument. Different on purpose: {@code -q[time]} is accepted and does nothing (qmail-send
 * runs the queue by itself). qmail-inject runs in this JVM rather than as a new process.
 * Run by the name {@code mailq} (a link to the launcher: it passes its $0 as
 * {@code -Dqmail.argv0}) it is qmail-qread, by the name {@code newaliases} it refuses.
 * Anything else: a usage message and exit 100.
 */
public final class Sendmail {
    static final String USAGE = "usage: sendmail [ -t ] [ -fsender ] [ -Fname ] [ -bp ] [ -bs ] [ arg ... ]";

    private Sendmail() {}

    public static void main(String[] args) {
        QmailHome home = QmailHome.current();
        String progname = programName(System.getProperty("qmail.argv0", "sendmail"));
        if (queues(progname, args)) QueueClients.warmUp(home, System.getenv()); // the socket's set-up alongside ours
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.ISO_8859_1);
        int exit = run(progname, args, home, System.getenv(),
                new FileInputStream(FileDescriptor.in), out, System.err,
                QueueClients.standard(home, System.getenv()), Clock.systemUTC());
        out.flush();
        Exit.now(exit);
    }

    /**
     * Whether this call goes on to qmail-inject: not -bp, -bs, -q or bad usage, and not run as
     * mailq or newaliases. Only then is {@link QueueClients#warmUp} worth its CPU.
     */
    static boolean queues(String progname, String[] args) {
        return parse(args).mode() == Mode.INJECT && !progname.equals("mailq") && !progname.equals("newaliases");
    }

    /** The name a launcher was run by ($0, passed as -Dqmail.argv0), without its directory. */
    static String programName(String argv0) {
        return argv0.substring(argv0.lastIndexOf('/') + 1);
    }

    public static int run(String[] args, QmailHome home, Map<String, String> env, InputStream stdin,
            OutputStream stdout, PrintStream err, QueueClient queue, Clock clock) {
        return run("sendmail", args, home, env, stdin, stdout, err, queue, clock);
    }

    /** What a call asks for, once its options are read. */
    enum Mode {
        /** qmail-inject: -H with -t, else -a. */
        INJECT,
        /** -bp: qmail-qread. */
        QREAD,
        /** -bs: an SMTP session (qmail-smtpd). */
        SMTPD,
        /** -q[time]: nothing to do, qmail-send runs the queue by itself (exit 0). */
        QUEUE_RUN,
        /** Bad usage: the usage message and exit 100. */
        USAGE
    }

    /**
     * One call's options: the mode, -t, -f's sender and -F's name (null when not given) and
     * the arguments after the options. Parsed with plain loops and no lambdas, regular
     * expressions or streams: each of those would bootstrap classes in a program that runs for
     * some 40 ms, interpreted.
     */
    record Call(Mode mode, boolean headerRecipients, String sender, String mailName, String[] args) {
        /** The arguments qmail's wrapper gives qmail-inject. */
        String[] injectArgs() {
            String[] qi = new String[(sender != null ? 4 : 2) + args.length];
            int n = 0;
            qi[n++] = headerRecipients ? "-H" : "-a";
            if (sender != null) {
                qi[n++] = "-f";
                qi[n++] = sender;
            }
            qi[n++] = "--";
            System.arraycopy(args, 0, qi, n, args.length);
            return qi;
        }
    }

    /**
     * qmail's wrapper's option loop: clustered letters ({@code -ti}), an option's argument
     * attached or in the next word, {@code --} or the first word not an option ending the
     * options. The first of -bp, -bs, -q or bad usage decides at once, as the wrapper execs or
     * exits there.
     */
    static Call parse(String[] args) {
        boolean flagT = false;
        String sender = null;
        String mailName = null;
        int i = 0;
        options:
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                i++;
                break;
            }
            if (a.length() < 2 || a.charAt(0) != '-') break;
            for (int j = 1; j < a.length(); j++) {
                char c = a.charAt(j);
                if ("efpoBFb".indexOf(c) >= 0) {
                    String arg;
                    if (j + 1 < a.length()) arg = a.substring(j + 1);
                    else if (i + 1 < args.length) arg = args[++i];
                    else return usage();
                    if (c == 'f') {
                        sender = arg;
                    } else if (c == 'F') {
                        mailName = arg;
                    } else if (c == 'b') {
                        char b = arg.isEmpty() ? 0 : arg.charAt(0);
                        if (b == 'p') return new Call(Mode.QREAD, false, null, null, new String[0]);
                        if (b == 's') return new Call(Mode.SMTPD, false, null, null, new String[0]);
                        if (b != 'm') return usage();
                    } // -e -p -o -B: qmail has one mode for each
                    continue options;
                }
                if (c == 't') flagT = true;
                else if (c == 'E' || c == 'J') continue options; // skip an attached argument
                else if (c == 'q') return new Call(Mode.QUEUE_RUN, false, null, null, new String[0]);
                else if (c != 'v' && c != 'i' && c != 'x' && c != 'm') return usage();
            }
        }
        String[] rest = new String[args.length - i];
        System.arraycopy(args, i, rest, 0, rest.length);
        return new Call(Mode.INJECT, flagT, sender, mailName, rest);
    }

    private static Call usage() {
        return new Call(Mode.USAGE, false, null, null, new String[0]);
    }

    /**
     * As qmail's wrapper, which looks at the name it was run by once the options are read:
     * as {@code mailq} it is qmail-qread; as {@code newaliases} it refuses (exit 100).
     */
    public static int run(String progname, String[] args, QmailHome home, Map<String, String> env, InputStream stdin,
            OutputStream stdout, PrintStream err, QueueClient queue, Clock clock) {
        Call call = parse(args);
        switch (call.mode()) {
            case USAGE: return usage(err);
            case QUEUE_RUN: return 0;
            case QREAD: return QmailQread.run(home, stdout, err);
            case SMTPD: return smtpd(home, env, err);
            default: break;
        }
        if (progname.equals("mailq")) return QmailQread.run(home, stdout, err);
        if (progname.equals("newaliases")) {
            err.println("sendmail: fatal: please use fastforward/newaliases instead");
            return 100;
        }
        Map<String, String> injectEnv = env;
        if (call.mailName() != null) {
            injectEnv = new HashMap<>(env);
            injectEnv.put("MAILNAME", call.mailName());
        }
        return QmailInject.run(call.injectArgs(), home, injectEnv, stdin, stdout, err, queue, clock);
    }

    private static int usage(PrintStream err) {
        err.println(USAGE);
        return 100;
    }

    /** The environment qmail's wrapper gives qmail-smtpd for -bs. */
    static Map<String, String> smtpdEnv(Map<String, String> env) {
        Map<String, String> e = new HashMap<>(env);
        if (!env.containsKey("PROTO")) {
            e.put("RELAYCLIENT", "");
            e.put("DATABYTES", "0");
            e.put("PROTO", "TCP");
            e.put("TCPLOCALIP", "127.0.0.1");
            e.put("TCPLOCALHOST", "localhost");
            e.put("TCPREMOTEIP", "127.0.0.1");
            e.put("TCPREMOTEHOST", "localhost");
            e.put("TCPREMOTEINFO", "sendmail-bs");
        }
        return e;
    }

    private static int smtpd(QmailHome home, Map<String, String> env, PrintStream err) {
        String prog = home.bin().resolve("qmail-smtpd").toString();
        List<String> envp = new ArrayList<>();
        smtpdEnv(env).forEach((k, v) -> envp.add(k + "=" + v));
        try {
            System.out.flush();
            Proc.execv(prog, List.of(prog), envp);
        } catch (SysException e) {
            // fall through
        }
        err.println("sendmail: fatal: unable to run qmail-smtpd");
        return 111;
    }
}
