package org.qmailj.smtpd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * SMTP AUTH (RFC 4954) with the PLAIN (RFC 4616) and LOGIN mechanisms, checked through
 * {@link Checkpassword}; replies are those of the common qmail auth patch. One instance per
 * session, holding its failure count: the first {@link #FREE_FAILURES} failures are answered
 * at once, each later one after a delay growing by a second, and failure
 * {@link #MAX_FAILURES} ends the connection ({@link TooManyFailures}).
 */
final class SmtpAuth {
    static final int FREE_FAILURES = 3;
    static final int MAX_FAILURES = 5;
    private static final String USERNAME = "VXNlcm5hbWU6"; // "Username:"
    private static final String PASSWORD = "UGFzc3dvcmQ6"; // "Password:"

    /** The client's side of the exchange: sends {@code 334 prompt}, returns its answer line. */
    interface Exchange {
        String challenge(String prompt) throws IOException;
    }

    /** Failure {@link #MAX_FAILURES}: the session answers 421 and closes. */
    static final class TooManyFailures extends IOException {
        TooManyFailures() { super("too many authentication failures"); }
    }

    /** An AUTH command's end: the reply, and the user when it succeeded. */
    record Result(SmtpReply reply, Optional<String> user) {
        static Result of(SmtpReply r) { return new Result(r, Optional.empty()); }
    }

    private final Checkpassword checker;
    private int failures;

    SmtpAuth(Checkpassword checker) {
        this.checker = checker;
    }

    /** {@code arg}: the text after AUTH, mechanism and optional initial response. */
    Result auth(String arg, Exchange ex) throws IOException {
        int sp = arg.indexOf(' ');
        String mech = (sp < 0 ? arg : arg.substring(0, sp)).toUpperCase(Locale.ROOT);
        Optional<String> initial = sp < 0 ? Optional.empty() : Optional.of(arg.substring(sp + 1).trim());
        byte[] user;
        byte[] password;
        switch (mech) {
            case "PLAIN" -> {
                String line = initial.isPresent() ? initial.get() : ex.challenge("");
                if (line.equals("*")) return Result.of(Replies.AUTH_CANCELLED);
                byte[] resp = line.equals("=") ? new byte[0] : decode(line);
                if (resp == null) return Result.of(Replies.AUTH_MALFORMED);
                int a = indexOf(resp, 0);
                int b = a < 0 ? -1 : indexOf(resp, a + 1);
                if (b < 0 || indexOf(resp, b + 1) >= 0) return Result.of(Replies.AUTH_MALFORMED);
                byte[] authzid = Arrays.copyOfRange(resp, 0, a);
                user = Arrays.copyOfRange(resp, a + 1, b);
                password = Arrays.copyOfRange(resp, b + 1, resp.length);
                Arrays.fill(resp, (byte) 0);
                // Acting for another user is not something checkpassword can vouch for.
                if (authzid.length > 0 && !Arrays.equals(authzid, user)) return failed();
            }
            case "LOGIN" -> {
                String u = initial.isPresent() ? initial.get() : ex.challenge(USERNAME);
                if (u.equals("*")) return Result.of(Replies.AUTH_CANCELLED);
                user = decode(u);
                if (user == null) return Result.of(Replies.AUTH_MALFORMED);
                String p = ex.challenge(PASSWORD);
                if (p.equals("*")) return Result.of(Replies.AUTH_CANCELLED);
                password = decode(p);
                if (password == null) return Result.of(Replies.AUTH_MALFORMED);
            }
            default -> {
                return Result.of(Replies.AUTH_TYPE);
            }
        }
        if (user.length == 0 || indexOf(user, 0) >= 0 || indexOf(password, 0) >= 0 || !checker.check(user, password)) {
            return failed();
        }
        return new Result(Replies.AUTH_OK, Optional.of(new String(user, StandardCharsets.ISO_8859_1)));
    }

    private Result failed() throws IOException {
        failures++;
        if (failures > FREE_FAILURES) {
            try {
                Thread.sleep(1000L * (failures - FREE_FAILURES));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TooManyFailures();
            }
        }
        if (failures >= MAX_FAILURES) throw new TooManyFailures();
        return Result.of(Replies.AUTH_FAILED);
    }

    private static byte[] decode(String b64) {
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == 0) return i;
        return -1;
    }
}
