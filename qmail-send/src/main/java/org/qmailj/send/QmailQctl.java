package org.qmailj.send;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.qmailj.common.QmailHome;
import org.qmailj.common.queue.QueueLayout;

/**
 * qmail-qctl - look at and manage the queue while qmail-send runs (README.md, "qmail-qctl").
 * {@code list} and {@code show} read the queue directly (read-only, also with qmail-send
 * stopped); every action is asked of qmail-send over its control channel
 * ({@link ControlServer}), which carries it out and answers.
 *
 * <pre>
 * qmail-qctl list [--json] [FILTER...]
 * qmail-qctl show [--json] [--body] ID
 * qmail-qctl hold|release|expire ID...|FILTER...|--all
 * qmail-qctl delete [--bounce] ID...|FILTER...|--all
 * qmail-qctl retry ID...|FILTER...|--all
 * FILTER: --sender S --recipient S --domain D --older-than AGE --newer-than AGE
 *         --larger-than BYTES --smaller-than BYTES --state todo|local|remote|bounce|held
 * </pre>
 * Exit 0 when everything asked was done, 100 for a usage error, 111 otherwise.
 */
public final class QmailQctl {
    static final String USAGE = "usage: qmail-qctl list [--json] [filter...] | show [--json] [--body] id"
            + " | hold|release|retry|expire id...|filter...|--all | delete [--bounce] id...|filter...|--all";
    private static final int MAX_SHOW = 10 << 20;

    private QmailQctl() {}

    public static void main(String[] args) {
        System.exit(run(args, new QueueLayout(QmailHome.current().queue()), System.out, System.err));
    }

    static final class Usage extends Exception {
        private static final long serialVersionUID = 1L;
        Usage(String m) { super(m); }
    }

    static int run(String[] args, QueueLayout queue, PrintStream out, PrintStream err) {
        try {
            if (args.length == 0) throw new Usage("no command");
            Args a = Args.parse(args);
            QueueView view = new QueueView(queue);
            return switch (args[0]) {
                case "list" -> list(a, view, out);
                case "show" -> show(a, view, out, err);
                case "hold" -> act(ControlRequest.Verb.HOLD, a, view, queue, out, err);
                case "release" -> act(ControlRequest.Verb.RELEASE, a, view, queue, out, err);
                case "delete" -> act(a.bounce ? ControlRequest.Verb.BOUNCE : ControlRequest.Verb.DELETE, a, view, queue, out, err);
                case "retry" -> act(ControlRequest.Verb.RETRY, a, view, queue, out, err);
                case "expire" -> act(ControlRequest.Verb.EXPIRE, a, view, queue, out, err);
                default -> throw new Usage("unknown command " + args[0]);
            };
        } catch (Usage e) {
            err.println("qmail-qctl: " + e.getMessage());
            err.println(USAGE);
            return 100;
        } catch (IOException e) {
            err.println("qmail-qctl: fatal: " + e.getMessage());
            return 111;
        }
    }

    /** The command line after the command word. */
    record Args(List<Long> ids, QueueView.Filter filter, boolean json, boolean body, boolean bounce, boolean all) {
        static Args parse(String[] args) throws Usage {
            List<Long> ids = new ArrayList<>();
            String sender = null, recipient = null, domain = null;
            Long older = null, newer = null, larger = null, smaller = null;
            EnumSet<QueueView.State> states = EnumSet.noneOf(QueueView.State.class);
            boolean json = false, body = false, bounce = false, all = false;
            for (int i = 1; i < args.length; i++) {
                String w = args[i];
                switch (w) {
                    case "--json" -> json = true;
                    case "--body" -> body = true;
                    case "--bounce" -> bounce = true;
                    case "--all" -> all = true;
                    case "--sender" -> sender = value(args, ++i, w);
                    case "--recipient" -> recipient = value(args, ++i, w);
                    case "--domain" -> domain = value(args, ++i, w);
                    case "--older-than" -> older = seconds(value(args, ++i, w));
                    case "--newer-than" -> newer = seconds(value(args, ++i, w));
                    case "--larger-than" -> larger = bytes(value(args, ++i, w));
                    case "--smaller-than" -> smaller = bytes(value(args, ++i, w));
                    case "--state" -> {
                        String s = value(args, ++i, w);
                        try {
                            states.add(QueueView.State.valueOf(s.toUpperCase(Locale.ROOT)));
                        } catch (IllegalArgumentException e) {
                            throw new Usage("unknown state " + s + " (todo, local, remote, bounce, held)");
                        }
                    }
                    default -> ids.add(ControlRequest.number(w).orElseThrow(() -> new Usage("not a message number or option: " + w)));
                }
            }
            return new Args(ids, new QueueView.Filter(sender, recipient, domain, older, newer, larger, smaller, Set.copyOf(states)),
                    json, body, bounce, all);
        }

        private static String value(String[] args, int i, String opt) throws Usage {
            if (i >= args.length) throw new Usage(opt + " needs a value");
            return args[i];
        }

        /** 90, 90s, 15m, 2h, 3d. */
        static long seconds(String s) throws Usage {
            long unit = 1;
            String n = s;
            if (!s.isEmpty() && "smhd".indexOf(s.charAt(s.length() - 1)) >= 0) {
                unit = switch (s.charAt(s.length() - 1)) { case 'm' -> 60; case 'h' -> 3600; case 'd' -> 86400; default -> 1; };
                n = s.substring(0, s.length() - 1);
            }
            return number(n, s) * unit;
        }

        /** 500, 10k, 2M. */
        static long bytes(String s) throws Usage {
            long unit = 1;
            String n = s;
            if (!s.isEmpty() && "kKmM".indexOf(s.charAt(s.length() - 1)) >= 0) {
                unit = Character.toLowerCase(s.charAt(s.length() - 1)) == 'k' ? 1024 : 1024 * 1024;
                n = s.substring(0, s.length() - 1);
            }
            return number(n, s) * unit;
        }

        private static long number(String n, String whole) throws Usage {
            if (n.isEmpty() || n.length() > 12 || !n.chars().allMatch(c -> c >= '0' && c <= '9')) throw new Usage("bad number " + whole);
            return Long.parseLong(n);
        }
    }

    private static List<QueueView.Message> select(QueueView view, QueueView.Filter f) throws IOException {
        long now = Scheduler.now();
        List<QueueView.Message> out = new ArrayList<>();
        for (long id : view.ids()) {
            Optional<QueueView.Message> m = view.read(id);
            if (m.isPresent() && f.matches(m.get(), now)) out.add(m.get());
        }
        return out;
    }

    private static int list(Args a, QueueView view, PrintStream out) throws IOException, Usage {
        if (!a.ids.isEmpty()) throw new Usage("list takes filters, not message numbers");
        List<QueueView.Message> ms = select(view, a.filter);
        long now = Scheduler.now();
        if (a.json) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < ms.size(); i++) b.append(i == 0 ? "\n" : ",\n").append(json(ms.get(i), now));
            out.print(b.append(ms.isEmpty() ? "]\n" : "\n]\n"));
            return 0;
        }
        for (QueueView.Message m : ms) {
            out.println(m.id() + "  " + time(m.birth()) + "  " + m.size() + " bytes  " + states(m) + "  <" + m.sender() + ">");
            for (QueueView.Recipient r : m.recipients()) {
                out.println("    " + (r.done() ? "done  " : "      ") + r.channel() + "  <" + r.address() + ">");
            }
        }
        out.println(ms.size() + (ms.size() == 1 ? " message" : " messages"));
        return 0;
    }

    private static String states(QueueView.Message m) {
        StringBuilder b = new StringBuilder();
        for (QueueView.State s : m.states()) b.append(b.isEmpty() ? "" : ",").append(s.word());
        return b.isEmpty() ? "done" : b.toString();
    }

    private static int show(Args a, QueueView view, PrintStream out, PrintStream err) throws IOException, Usage {
        if (a.ids.size() != 1 || a.filter.any()) throw new Usage("show takes one message number");
        long id = a.ids.get(0);
        Optional<QueueView.Message> m = view.read(id);
        if (m.isEmpty()) {
            err.println("qmail-qctl: no message " + id + " in the queue");
            return 111;
        }
        long now = Scheduler.now();
        byte[] content = view.content(id, a.body, MAX_SHOW);
        String text = new String(content, StandardCharsets.ISO_8859_1);
        if (a.json) {
            String j = json(m.get(), now);
            out.print(j.substring(0, j.length() - 1) + ", " + (a.body ? "\"message\": " : "\"headers\": ") + quote(text) + "}\n");
            return 0;
        }
        QueueView.Message msg = m.get();
        out.println("message " + id);
        out.println("queued: " + time(msg.birth()) + " (" + (now - msg.birth()) + " seconds ago)");
        out.println("size: " + msg.size() + " bytes");
        out.println("state: " + states(msg));
        out.println("sender: <" + msg.sender() + ">");
        for (QueueView.Recipient r : msg.recipients()) {
            String state = r.done() ? "done" : r.channel().equals("todo") ? "not yet preprocessed"
                    : msg.states().contains(QueueView.State.HELD) ? "held"
                    : "next try " + (r.nextTry() <= now ? "now" : time(r.nextTry()));
            out.println("recipient: " + r.channel() + " <" + r.address() + "> " + state);
        }
        out.println();
        out.print(text);
        return 0;
    }

    private static int act(ControlRequest.Verb verb, Args a, QueueView view, QueueLayout queue, PrintStream out, PrintStream err)
            throws IOException, Usage {
        if (a.json || a.body || (a.bounce && verb != ControlRequest.Verb.BOUNCE)) throw new Usage("option not for " + verb.word);
        int given = (a.ids.isEmpty() ? 0 : 1) + (a.filter.any() ? 1 : 0) + (a.all ? 1 : 0);
        if (given != 1) throw new Usage(verb.word + " needs message numbers, filters or --all (one of them)");
        ControlClient client = new ControlClient(ControlServer.socket(queue));
        List<ControlRequest> requests = new ArrayList<>();
        if (a.all && verb == ControlRequest.Verb.RETRY) {
            requests.add(new ControlRequest(ControlRequest.Verb.RETRYALL, List.of()));
        } else {
            List<Long> ids = a.ids;
            if (!a.ids.isEmpty()) {
                ids = a.ids;
            } else {
                ids = new ArrayList<>();
                for (QueueView.Message m : select(view, a.all ? QueueView.Filter.ALL : a.filter)) ids.add(m.id());
            }
            for (int i = 0; i < ids.size(); i += ControlRequest.MAX_IDS) {
                requests.add(new ControlRequest(verb, ids.subList(i, Math.min(ids.size(), i + ControlRequest.MAX_IDS))));
            }
            if (ids.isEmpty()) out.println("no message matches");
        }
        boolean allOk = true;
        for (ControlRequest r : requests) {
            List<String> answer;
            try {
                answer = client.ask(r);
            } catch (IOException e) {
                err.println("qmail-qctl: fatal: unable to talk to qmail-send (is it running?): " + e.getMessage());
                return 111;
            }
            for (String line : answer) {
                out.println(line);
                if (!line.startsWith("ok ")) allOk = false;
            }
        }
        return allOk ? 0 : 111;
    }

    private static String time(long epoch) { return Instant.ofEpochSecond(epoch).toString(); }

    static String json(QueueView.Message m, long now) {
        StringBuilder b = new StringBuilder("{\"id\": ").append(m.id())
                .append(", \"queued\": ").append(m.birth())
                .append(", \"age\": ").append(now - m.birth())
                .append(", \"size\": ").append(m.size())
                .append(", \"sender\": ").append(quote(m.sender()))
                .append(", \"states\": [");
        int i = 0;
        for (QueueView.State s : m.states()) b.append(i++ == 0 ? "" : ", ").append(quote(s.word()));
        b.append("], \"held\": ").append(m.states().contains(QueueView.State.HELD)).append(", \"recipients\": [");
        i = 0;
        for (QueueView.Recipient r : m.recipients()) {
            b.append(i++ == 0 ? "" : ", ").append("{\"channel\": ").append(quote(r.channel()))
                    .append(", \"address\": ").append(quote(r.address()))
                    .append(", \"done\": ").append(r.done());
            if (!r.channel().equals("todo")) b.append(", \"next_try\": ").append(r.nextTry());
            b.append('}');
        }
        return b.append("]}").toString();
    }

    /** A JSON string; bytes are ISO-8859-1 characters, control characters escaped. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
