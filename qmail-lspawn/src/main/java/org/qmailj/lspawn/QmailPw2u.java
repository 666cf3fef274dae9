package org.qmailj.lspawn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;

/**
 * qmail-pw2u - build address assignments from a passwd file (qmail-pw2u(8)). Reads a V7
 * passwd file on stdin and prints a qmail-users(5) assignment file, ending with ".", on
 * stdout. Options -o (default) -h -H, -U (default) -u, -cCHAR, -C, -/; the files
 * users/include, exclude, mailnames, subusers and append apply as documented.
 */
public final class QmailPw2u {
    private QmailPw2u() {
    }

    enum HomeCheck { SKIP, STOP, NONE }

    record Options(HomeCheck home, boolean upper, String brk, boolean noExt, String slash) {
    }

    public static void main(String[] args) {
        Options o = parseOptions(args);
        if (o == null) {
            System.err.println("qmail-pw2u: usage: qmail-pw2u [ -/ohHuUC ] [ -cchar ]");
            Exit.now(100);
            return;
        }
        try {
            String in = new String(System.in.readAllBytes(), StandardCharsets.ISO_8859_1);
            System.out.write(convert(in, o, QmailHome.current().users()).getBytes(StandardCharsets.ISO_8859_1));
            System.out.flush();
            Exit.now(0);
        } catch (Pw2uException e) {
            System.err.println("qmail-pw2u: fatal: " + e.getMessage());
            Exit.now(111);
        } catch (IOException e) {
            System.err.println("qmail-pw2u: fatal: unable to read input: " + e.getMessage());
            Exit.now(111);
        }
    }

    static final class Pw2uException extends Exception {
        Pw2uException(String m) {
            super(m, null, false, false);
        }
    }

    static Options parseOptions(String[] args) {
        HomeCheck home = HomeCheck.SKIP;
        boolean upper = false;
        String brk = "-";
        boolean noExt = false;
        String slash = "";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-") || a.length() < 2) return null;
            for (int k = 1; k < a.length(); k++) {
                switch (a.charAt(k)) {
                    case 'o' -> home = HomeCheck.SKIP;
                    case 'h' -> home = HomeCheck.STOP;
                    case 'H' -> home = HomeCheck.NONE;
                    case 'u' -> upper = true;
                    case 'U' -> upper = false;
                    case 'C' -> noExt = true;
                    case '/' -> slash = "/";
                    case 'c' -> {
                        String rest = a.substring(k + 1);
                        if (rest.isEmpty() && i + 1 < args.length) rest = args[++i];
                        if (rest.isEmpty()) return null;
                        brk = rest.substring(0, 1);
                        k = a.length();
                    }
                    default -> {
                        return null;
                    }
                }
            }
        }
        return new Options(home, upper, brk, noExt, slash);
    }

    static Optional<List<String>> lines(Path f) throws Pw2uException {
        try {
            return Optional.of(Files.readString(f, StandardCharsets.ISO_8859_1).lines().toList());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new Pw2uException("unable to read " + f + ": " + e.getMessage());
        }
    }

    record Account(String user, String uid, String gid, String home) {
    }

    static String convert(String passwd, Options o, Path users) throws Pw2uException {
        Optional<Set<String>> include = lines(users.resolve("include")).map(TreeSet::new);
        Set<String> exclude = lines(users.resolve("exclude")).map(l -> (Set<String>) new TreeSet<>(l)).orElse(Set.of());
        Map<String, List<String>> mailnames = new HashMap<>();
        for (String l : lines(users.resolve("mailnames")).orElse(List.of())) {
            String[] f = l.split(":");
            if (f.length >= 1) mailnames.put(f[0], List.of(f).subList(1, f.length));
        }
        Map<String, Account> accounts = new LinkedHashMap<>();
        StringBuilder out = new StringBuilder();
        for (String line : passwd.split("\n")) {
            if (line.isEmpty()) continue;
            String[] f = line.split(":", -1);
            if (f.length < 7) throw new Pw2uException("unable to parse this line: " + line);
            String user = f[0];
            if (f[2].equals("0")) continue;
            if (!o.upper() && !user.equals(user.toLowerCase(java.util.Locale.ROOT))) continue;
            if (include.isPresent() && !include.get().contains(user)) continue;
            if (exclude.contains(user)) continue;
            if (o.home() != HomeCheck.NONE) {
                Path h = Path.of(f[5]);
                int owner;
                try {
                    owner = (Integer) Files.getAttribute(h, "unix:uid");
                } catch (IOException e) {
                    if (o.home() == HomeCheck.STOP) throw new Pw2uException("unable to stat " + f[5] + ": " + e.getMessage());
                    continue;
                }
                if (!Integer.toString(owner).equals(f[2])) continue;
            }
            Account a = new Account(user, f[2], f[3], f[5]);
            accounts.put(user, a);
            List<String> names = mailnames.getOrDefault(user, List.of(user));
            for (String name : names) assign(out, name, a, o);
        }
        for (String l : lines(users.resolve("subusers")).orElse(List.of())) {
            String[] f = l.split(":", -1);
            if (f.length < 3) continue;
            Account a = accounts.get(f[1]);
            if (a == null) continue;
            out.append('=').append(f[0]).append(':').append(a.user()).append(':').append(a.uid()).append(':')
                    .append(a.gid()).append(':').append(a.home()).append(":-:").append(f[2]).append(":\n");
            if (!o.noExt()) {
                out.append('+').append(f[0]).append(o.brk()).append(':').append(a.user()).append(':').append(a.uid())
                        .append(':').append(a.gid()).append(':').append(a.home()).append(":-:").append(f[2])
                        .append("-:\n");
            }
        }
        for (String l : lines(users.resolve("append")).orElse(List.of())) out.append(l).append('\n');
        out.append(".\n");
        return out.toString();
    }

    private static void assign(StringBuilder out, String name, Account a, Options o) {
        String who = a.user() + ":" + a.uid() + ":" + a.gid() + ":" + a.home();
        out.append('=').append(name).append(':').append(who).append(":::\n");
        if (!o.noExt()) {
            out.append('+').append(name).append(o.brk()).append(':').append(who).append(":-")
                    .append(o.slash()).append("::\n");
        }
    }
}
