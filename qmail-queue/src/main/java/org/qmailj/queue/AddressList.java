package org.qmailj.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.qmailj.common.address.Token822;

/**
 * RFC 822 address lists as qmail-header(5) describes them: addresses or groups separated by
 * commas; an address is {@code box@host}, {@code phrase <box@host>} (source routes are
 * stripped) or a lone box. {@link #rewrite} returns the field text with every address
 * rewritten and collects the addresses (unquoted) for the envelope. Comments, phrases and
 * folding are kept; an illegal space between two addresses becomes a comma.
 */
public final class AddressList {
    private AddressList() {}

    private enum Kind { ATOM, QUOTED, COMMENT, LITERAL, SPECIAL, SPACE }

    private record Tok(Kind kind, String text) {
        boolean is(char c) { return kind == Kind.SPECIAL && text.charAt(0) == c; }
        boolean word() { return kind == Kind.ATOM || kind == Kind.QUOTED || kind == Kind.LITERAL; }
    }

    private static List<Tok> tokenize(String s) {
        List<Tok> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            int j = i + 1;
            Kind k;
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                while (j < n && " \t\n\r".indexOf(s.charAt(j)) >= 0) j++;
                k = Kind.SPACE;
            } else if (c == '"') {
                while (j < n && s.charAt(j) != '"') j += s.charAt(j) == '\\' ? 2 : 1;
                j = Math.min(j + 1, n);
                k = Kind.QUOTED;
            } else if (c == '(') {
                int depth = 1;
                while (j < n && depth > 0) {
                    char d = s.charAt(j);
                    if (d == '\\') j++;
                    else if (d == '(') depth++;
                    else if (d == ')') depth--;
                    j++;
                }
                j = Math.min(j, n);
                k = Kind.COMMENT;
            } else if (c == '[') {
                while (j < n && s.charAt(j) != ']') j += s.charAt(j) == '\\' ? 2 : 1;
                j = Math.min(j + 1, n);
                k = Kind.LITERAL;
            } else if ("<>@,;:.".indexOf(c) >= 0) {
                k = Kind.SPECIAL;
            } else {
                while (j < n && " \t\n\r\"()[]<>@,;:.".indexOf(s.charAt(j)) < 0) j++;
                k = Kind.ATOM;
            }
            out.add(new Tok(k, s.substring(i, j)));
            i = j;
        }
        return out;
    }

    /** The field value with each address replaced by {@code fn(address)}; addresses go to {@code found}. */
    public static String rewrite(String value, UnaryOperator<String> fn, List<String> found) {
        List<Tok> toks = tokenize(value);
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < toks.size()) {
            // One item: up to a ',' or ';' outside angle brackets; a ':' there opens a group.
            int end = i;
            boolean angle = false;
            while (end < toks.size()) {
                Tok t = toks.get(end);
                if (t.is('<')) angle = true;
                if (t.is('>')) angle = false;
                if (!angle && (t.is(',') || t.is(';'))) break;
                if (!angle && t.is(':') && !hasAngle(toks, i, end)) {
                    // group phrase: copy through the colon verbatim
                    for (int k = i; k <= end; k++) out.append(toks.get(k).text());
                    i = end + 1;
                    end = i - 1;
                }
                end++;
            }
            item(toks.subList(i, end), fn, found, out);
            if (end < toks.size()) out.append(toks.get(end).text());
            i = end + 1;
        }
        return out.toString();
    }

    private static boolean hasAngle(List<Tok> toks, int from, int to) {
        for (int k = from; k < to; k++) if (toks.get(k).is('<')) return true;
        return false;
    }

    private static void item(List<Tok> toks, UnaryOperator<String> fn, List<String> found, StringBuilder out) {
        int lt = -1;
        for (int k = 0; k < toks.size(); k++) if (toks.get(k).is('<')) { lt = k; break; }
        if (lt >= 0) {
            for (int k = 0; k <= lt; k++) out.append(toks.get(k).text());
            int gt = lt + 1;
            while (gt < toks.size() && !toks.get(gt).is('>')) gt++;
            List<Tok> inner = new ArrayList<>(toks.subList(lt + 1, gt));
            // Strip a source route: @a,@b:
            int colon = -1;
            for (int k = 0; k < inner.size(); k++) if (inner.get(k).is(':')) colon = k;
            if (colon >= 0 && !inner.isEmpty() && firstNonSpace(inner).is('@')) inner = inner.subList(colon + 1, inner.size());
            String addr = spec(inner);
            String rewritten = fn.apply(addr);
            found.add(unquote(rewritten));
            out.append(rewritten);
            for (int k = gt; k < toks.size(); k++) out.append(toks.get(k).text());
            return;
        }
        // Bare addr-specs: words joined by '.' and '@'; a space between two words splits addresses.
        StringBuilder cur = new StringBuilder();
        StringBuilder trail = new StringBuilder();
        boolean lastWord = false;
        boolean any = false;
        for (Tok t : toks) {
            switch (t.kind()) {
                case SPACE -> {
                    if (cur.isEmpty()) out.append(t.text()); else trail.append(t.text());
                }
                case COMMENT -> trail.append(t.text());
                default -> {
                    if (t.word() && lastWord && !cur.isEmpty()) {
                        flush(cur, fn, found, out, any);
                        any = true;
                        out.append(trail.isEmpty() ? ", " : "," + trail);
                        trail.setLength(0);
                    } else if (!trail.isEmpty() && !cur.isEmpty()) {
                        // comment or space inside an address: keep it after the address
                    }
                    cur.append(t.text());
                    lastWord = t.word();
                }
            }
        }
        if (!cur.isEmpty()) flush(cur, fn, found, out, any);
        out.append(trail);
    }

    private static Tok firstNonSpace(List<Tok> toks) {
        for (Tok t : toks) if (t.kind() != Kind.SPACE) return t;
        return toks.getFirst();
    }

    private static void flush(StringBuilder cur, UnaryOperator<String> fn, List<String> found, StringBuilder out, boolean any) {
        String rewritten = fn.apply(cur.toString());
        found.add(unquote(rewritten));
        out.append(rewritten);
        cur.setLength(0);
    }

    private static String spec(List<Tok> toks) {
        StringBuilder b = new StringBuilder();
        for (Tok t : toks) if (t.kind() != Kind.SPACE && t.kind() != Kind.COMMENT) b.append(t.text());
        return b.toString();
    }

    /** False for what qmail-inject calls a severe syntax error ("unable to parse this line"). */
    public static boolean parses(String value) {
        return Token822.addresses(value).isPresent();
    }

    /** "a b"@c → a b@c: the envelope carries the bare local part. */
    static String unquote(String a) {
        if (a.indexOf('"') < 0) return a;
        StringBuilder b = new StringBuilder();
        boolean q = false;
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (c == '"') q = !q;
            else if (c == '\\' && q && i + 1 < a.length()) b.append(a.charAt(++i));
            else b.append(c);
        }
        return b.toString();
    }
}
