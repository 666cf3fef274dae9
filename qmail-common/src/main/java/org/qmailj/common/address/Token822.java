package org.qmailj.common.address;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * qmail's token822: the RFC 822 tokenizer (token822_parse) and address-list reader
 * (token822_addrlist, right to left) that qmail-inject and qreceipt use on address header
 * fields. {@link #addresses} fails exactly where qmail's do: a ')' or ']' starting a token,
 * an unterminated comment, quoted string or domain literal (or one ending in a backslash),
 * a '>' without its '<', a group's ':' without its ';', a second ';' before a ':'. That is
 * qmail-inject's "severe syntax error" and qreceipt's "unable to parse this".
 */
public final class Token822 {
    private Token822() {
    }

    private enum Type { ATOM, QUOTE, LITERAL, COMMENT, DOT, COMMA, AT, LEFT, RIGHT, COLON, SEMI }

    private record Token(Type type, String text) {
    }

    /**
     * The addresses of an address-list field value (the text after "Name:"), left to right,
     * each unquoted as token822_unquote does ({@code "a b"@c} gives {@code a b@c}, {@code <>}
     * gives ""); empty if qmail would refuse to parse the value.
     */
    public static Optional<List<String>> addresses(String value) {
        List<Token> tokens = parse(value);
        if (tokens == null) return Optional.empty();
        List<String> found = new ArrayList<>();
        List<Token> addr = new ArrayList<>(); // reversed while being read
        boolean inGroup = false;
        boolean wordOk = true;
        int t = tokens.size() - 1;
        while (t >= 0) {
            Type type = tokens.get(t).type();
            switch (type) {
                case SEMI -> {
                    flush(addr, found);
                    if (inGroup) return Optional.empty();
                    inGroup = true;
                    wordOk = true;
                    t--;
                }
                case COLON -> {
                    flush(addr, found);
                    if (!inGroup) return Optional.empty();
                    inGroup = false;
                    while (t >= 0 && tokens.get(t).type() != Type.COMMA) t--;
                    t--;
                    wordOk = true;
                }
                case RIGHT -> {
                    flush(addr, found);
                    t--;
                    while (t >= 0 && tokens.get(t).type() != Type.LEFT) addr.add(tokens.get(t--));
                    found.add(unquote(addr)); // even when empty: <>
                    addr.clear();
                    if (t < 0) return Optional.empty();
                    t--;
                    while (t >= 0 && switch (tokens.get(t).type()) {
                        case COMMENT, ATOM, QUOTE, AT, DOT -> true;
                        default -> false;
                    }) {
                        t--;
                    }
                    wordOk = false;
                }
                case ATOM, QUOTE, LITERAL -> {
                    if (!wordOk) flush(addr, found);
                    wordOk = false;
                    addr.add(tokens.get(t--));
                }
                case COMMENT -> t--; // lexically a space: wordOk stays
                case COMMA -> {
                    flush(addr, found);
                    wordOk = true;
                    t--;
                }
                default -> {
                    wordOk = true;
                    addr.add(tokens.get(t--));
                }
            }
        }
        flush(addr, found);
        Collections.reverse(found);
        return Optional.of(found);
    }

    private static void flush(List<Token> reversed, List<String> found) {
        if (!reversed.isEmpty()) {
            found.add(unquote(reversed));
            reversed.clear();
        }
    }

    private static String unquote(List<Token> reversed) {
        StringBuilder b = new StringBuilder();
        for (int i = reversed.size() - 1; i >= 0; i--) {
            Token t = reversed.get(i);
            switch (t.type()) {
                case ATOM, QUOTE -> b.append(t.text());
                case LITERAL -> b.append('[').append(t.text()).append(']');
                case COMMENT -> { }
                default -> b.append(t.text());
            }
        }
        return b.toString();
    }

    private static boolean atomOk(char c) {
        return " \t\r\n([\"<>;:@,.".indexOf(c) < 0;
    }

    /** token822_parse; null where it returns 0. */
    private static List<Token> parse(String s) {
        List<Token> out = new ArrayList<>();
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '.' -> out.add(new Token(Type.DOT, "."));
                case ',' -> out.add(new Token(Type.COMMA, ","));
                case '@' -> out.add(new Token(Type.AT, "@"));
                case '<' -> out.add(new Token(Type.LEFT, "<"));
                case '>' -> out.add(new Token(Type.RIGHT, ">"));
                case ':' -> out.add(new Token(Type.COLON, ":"));
                case ';' -> out.add(new Token(Type.SEMI, ";"));
                case ' ', '\t', '\r', '\n' -> { }
                case ')', ']' -> { return null; }
                case '(', '"', '[' -> {
                    char close = c == '(' ? ')' : c == '"' ? '"' : ']';
                    StringBuilder b = new StringBuilder();
                    int level = 1;
                    while (level > 0) {
                        if (++i >= n) return null;
                        char d = s.charAt(i);
                        if (c == '(' && d == '(') {
                            level++;
                        } else if (d == close) {
                            level--;
                        } else if (d == '\\') {
                            if (++i >= n) return null;
                            b.append(s.charAt(i));
                        } else {
                            b.append(d);
                        }
                    }
                    out.add(new Token(c == '(' ? Type.COMMENT : c == '"' ? Type.QUOTE : Type.LITERAL, b.toString()));
                }
                default -> {
                    StringBuilder b = new StringBuilder();
                    do {
                        if (s.charAt(i) == '\\' && ++i >= n) break;
                        b.append(s.charAt(i));
                        if (++i >= n) break;
                    } while (atomOk(s.charAt(i)));
                    i--;
                    out.add(new Token(Type.ATOM, b.toString()));
                }
            }
        }
        return out;
    }
}
