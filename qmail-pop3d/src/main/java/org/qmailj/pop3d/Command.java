package org.qmailj.pop3d;

/**
 * One POP3 command line as qmail's commands() splits it: the verb is everything before the
 * first space, the argument everything after it with leading spaces skipped (trailing ones
 * stay). Both are ISO-8859-1 strings, so every byte survives.
 */
record Command(String verb, String arg) {

    /** Splits a line already cut at its LF, its CR and its first NUL. */
    static Command parse(String line) {
        int sp = line.indexOf(' ');
        if (sp < 0) return new Command(line, "");
        int a = sp;
        while (a < line.length() && line.charAt(a) == ' ') a++;
        return new Command(line.substring(0, sp), line.substring(a));
    }

    /** qmail's case_equals: ASCII letters only fold, nothing else does. */
    boolean is(String lowerVerb) {
        if (verb.length() != lowerVerb.length()) return false;
        for (int i = 0; i < verb.length(); i++) {
            char c = verb.charAt(i);
            if (c >= 'A' && c <= 'Z') c = (char) (c + ('a' - 'A'));
            if (c != lowerVerb.charAt(i)) return false;
        }
        return true;
    }
}
