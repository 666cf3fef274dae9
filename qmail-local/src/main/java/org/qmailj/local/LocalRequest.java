package org.qmailj.local;

import java.util.List;

/**
 * One qmail-local invocation: qmail-local(8)'s arguments {@code user homedir local dash ext
 * domain sender defaultdelivery}, plus -n ({@code doit} false).
 */
public record LocalRequest(String user, String homedir, String local, String dash, String ext,
        String domain, String sender, String defaultDelivery, boolean doit) {

    public static final String USAGE =
            "qmail-local: usage: qmail-local [ -nN ] user homedir local dash ext domain sender aliasempty";

    /** Parses the command line; null when it does not fit the synopsis. */
    public static LocalRequest parse(List<String> args) {
        boolean doit = true;
        int i = 0;
        while (i < args.size() && args.get(i).startsWith("-") && args.get(i).length() > 1) {
            String a = args.get(i++);
            if (a.equals("--")) break;
            for (char c : a.substring(1).toCharArray()) {
                switch (c) {
                    case 'n' -> doit = false;
                    case 'N' -> doit = true;
                    default -> {
                        return null;
                    }
                }
            }
        }
        List<String> rest = args.subList(i, args.size());
        if (rest.size() != 8) return null;
        if (!rest.get(1).startsWith("/")) return null;
        return new LocalRequest(rest.get(0), rest.get(1), rest.get(2), rest.get(3), rest.get(4),
                rest.get(5), rest.get(6), rest.get(7), doit);
    }

    public List<String> args() {
        return List.of(user, homedir, local, dash, ext, domain, sender, defaultDelivery);
    }
}
