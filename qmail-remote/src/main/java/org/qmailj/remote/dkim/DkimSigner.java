package org.qmailj.remote.dkim;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Makes the DKIM-Signature fields of a scanned message (RFC 6376 3.5 and 5): relaxed/relaxed,
 * the signing time in t=, the fields {@link SignedHeaders} names, the body hash in bh= and the
 * signature in b=, folded to lines of at most 78 characters. The field is written in the
 * queue file's form (lines ending in LF, continuation lines starting with a tab), ready to
 * be put before the message.
 */
public final class DkimSigner {
    static final int WIDTH = 78;

    /** The outcome: the fields to put before the message (empty when unsigned), and what was done. */
    public record Result(String fields, String summary) {
        public boolean signed() {
            return !fields.isEmpty();
        }
    }

    private DkimSigner() {
    }

    /** Signs with every key of the From: domain; unsigned (with the reason) when that is not possible. */
    public static Result sign(MessageScan scan, DkimKeys keys, long time) throws GeneralSecurityException {
        if (!scan.ok()) return new Result("", "not signed: " + scan.problem());
        String fromValue = null;
        for (String f : scan.fields()) {
            if (MessageScan.name(f).equalsIgnoreCase("from")) {
                if (fromValue != null) return new Result("", "not signed: more than one From: field");
                fromValue = f.substring(f.indexOf(':') + 1);
            }
        }
        if (fromValue == null) return new Result("", "not signed: no From: field");
        Optional<String> domain = FromDomain.of(fromValue);
        if (domain.isEmpty()) return new Result("", "not signed: no single domain in From:");
        List<DkimKey> use = keys.forDomain(domain.get());
        if (use.isEmpty()) return new Result("", "not signed: no key for " + domain.get());
        SignedHeaders.Selection sel = SignedHeaders.select(scan.fields());
        StringBuilder out = new StringBuilder();
        List<String> done = new ArrayList<>();
        for (DkimKey k : use) {
            out.append(field(k, sel, scan.bodyHash(), time));
            done.add("d=" + k.domain() + " s=" + k.selector() + " a=" + k.algorithm().tag);
        }
        return new Result(out.toString(), "signed " + String.join(", ", done));
    }

    /** One DKIM-Signature field, ending in LF. */
    static String field(DkimKey key, SignedHeaders.Selection sel, byte[] bodyHash, long time) throws GeneralSecurityException {
        Folder f = new Folder("DKIM-Signature:");
        f.tag(List.of("v=1;"));
        f.tag(List.of("a=" + key.algorithm().tag + ";"));
        f.tag(List.of("c=relaxed/relaxed;"));
        f.tag(List.of("d=" + key.domain() + ";"));
        f.tag(List.of("s=" + key.selector() + ";"));
        f.tag(List.of("t=" + time + ";"));
        List<String> h = new ArrayList<>();
        for (int i = 0; i < sel.names().size(); i++)
            h.add((i == 0 ? "h=" : "") + sel.names().get(i) + (i == sel.names().size() - 1 ? ";" : ":"));
        f.tag(h);
        f.tag(List.of("bh=" + Base64.getEncoder().encodeToString(bodyHash) + ";"));
        f.newline();
        f.piece("b=");
        String unsigned = f.text();
        // What is signed: the fields, then this one with an empty b= and no final CRLF (RFC 6376 3.7).
        String data = sel.canonical() + Relaxed.header(unsigned);
        byte[] sig = key.sign(data.getBytes(StandardCharsets.ISO_8859_1));
        String b64 = Base64.getEncoder().encodeToString(sig);
        for (int i = 0; i < b64.length(); ) {
            if (i > 0) f.newline();
            int end = Math.min(b64.length(), i + Math.max(1, WIDTH - f.column()));
            f.piece(b64.substring(i, end));
            i = end;
        }
        return f.text() + "\n";
    }

    /** Lays out a field: pieces on a line while they fit, a new line (LF, tab) before one that does not. */
    static final class Folder {
        private final StringBuilder b = new StringBuilder();
        private int lineStart;

        Folder(String start) {
            b.append(start);
        }

        /** A tag whose pieces may be split across lines (FWS is allowed between them). */
        void tag(List<String> pieces) {
            for (int i = 0; i < pieces.size(); i++) {
                String p = pieces.get(i);
                String sep = i == 0 ? " " : "";
                if (column() + sep.length() + p.length() > WIDTH) newline();
                else b.append(sep);
                b.append(p);
            }
        }

        void piece(String p) {
            b.append(p);
        }

        void newline() {
            b.append("\n\t");
            lineStart = b.length() - 1; // the tab counts as one column
        }

        int column() {
            return b.length() - lineStart;
        }

        String text() {
            return b.toString();
        }
    }
}
