package org.qmailj.remote.dkim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real DKIM verifier: Debian's python3-dkim (dkimpy; Ed25519 through python3-nacl), run by
 * /usr/bin/python3 with a DNS function that answers from the records the test gives.
 */
public final class PyDkim {
    static final String PYTHON = "/usr/bin/python3";

    private static final String VERIFY = """
            import sys, json, dkim
            msg = open(sys.argv[1], 'rb').read()
            recs = json.load(open(sys.argv[2]))
            def dnsfunc(name, timeout=5):
                n = name.decode() if isinstance(name, bytes) else name
                r = recs.get(n.rstrip('.'))
                return r.encode() if r is not None else None
            n = sum(1 for h in dkim.DKIM(msg).headers if h[0].lower() == b'dkim-signature')
            out = []
            for i in range(n):
                d = dkim.DKIM(msg, minkey=1024)
                try:
                    out.append('pass' if d.verify(idx=i, dnsfunc=dnsfunc) else 'fail')
                except dkim.DKIMException:
                    out.append('fail')
            print(' '.join(out) if out else 'none')
            """;

    private static final String BODY_HASH = """
            import sys, json, base64, hashlib
            from dkim.canonicalization import Relaxed
            for body in json.load(open(sys.argv[1])):
                b = Relaxed.canonicalize_body(body.encode('latin-1'))
                print(base64.b64encode(hashlib.sha256(b).digest()).decode())
            """;

    private PyDkim() {
    }

    /**
     * Verifies every DKIM-Signature of a message in its wire form (CRLF line ends).
     *
     * @param records selector._domainkey.domain (no final dot) to TXT text
     * @return "pass"/"fail" per signature, separated by spaces; "none" when unsigned
     */
    public static String verify(Path dir, byte[] wire, Map<String, String> records) throws IOException, InterruptedException {
        Path m = Files.createTempFile(dir, "msg", ".eml");
        Files.write(m, wire);
        StringBuilder json = new StringBuilder("{");
        records.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append(quote(k)).append(':').append(quote(v)));
        Path r = Files.writeString(Files.createTempFile(dir, "dns", ".json"), json.append('}'));
        return run(dir, VERIFY, m.toString(), r.toString());
    }

    /** python3-dkim's relaxed body hash of each body (queue form: LF line ends become CRLF first). */
    static List<String> bodyHashes(Path dir, List<String> bodies) throws IOException, InterruptedException {
        StringBuilder json = new StringBuilder("[");
        for (String b : bodies) json.append(json.length() > 1 ? "," : "").append(quote(b.replace("\n", "\r\n")));
        Path f = Files.writeString(Files.createTempFile(dir, "bodies", ".json"), json.append(']'));
        return List.of(run(dir, BODY_HASH, f.toString()).split("\n"));
    }

    /** The wire form of a message in queue form: CR before each LF. */
    public static byte[] wire(String queueForm) {
        return queueForm.replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String run(Path dir, String script, String... args) throws IOException, InterruptedException {
        Path s = Files.writeString(Files.createTempFile(dir, "py", ".py"), script);
        List<String> cmd = new java.util.ArrayList<>(List.of(PYTHON, s.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IOException("python3 did not finish");
        }
        String o = new String(out, StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) throw new IOException("python3 failed: " + o);
        return o;
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}
