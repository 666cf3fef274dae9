package org.qmailj.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * The .qmail search with an extension holding UTF-8 (SMTPUTF8 addresses): the extension is
 * qmail's bytes (one ISO-8859-1 char per byte, as the envelope is read), and the file is the
 * one whose name has exactly those bytes, made here by the shell. java.nio would re-encode
 * each byte (UTF-8 locale) or refuse the name (the ASCII locale of qmail-start's daemons).
 */
class DotQmailBytesTest {
    @TempDir
    Path home;

    static String bytes(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    private void sh(String script) throws Exception {
        Cmd.Result r = Cmd.run(List.of("sh", "-c", script), Map.of("PATH", System.getenv("PATH")), home, new byte[0], 60);
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    @Test
    void utf8ExtensionFindsItsOwnFileThenTheDefault() throws Exception {
        sh("printf './Maildir-u/\\n' > \"$(printf '.qmail-\\303\\274nicode')\" && chmod 644 .qmail-*");
        DotQmail.Found f = DotQmail.search(home, "-", bytes("\u00fcnicode")).orElseThrow();
        assertThat(f.name()).isEqualTo(bytes(".qmail-\u00fcnicode"));
        assertThat(new String(f.contents(), StandardCharsets.ISO_8859_1)).isEqualTo("./Maildir-u/\n");
        assertThat(f.defaultPart()).isNull();
        assertThat(DotQmail.exists(home, "-", bytes("\u00fcnicode"), "")).isTrue();

        assertThat(DotQmail.search(home, "-", bytes("\u00fcbrig"))).isEmpty();
        assertThat(DotQmail.exists(home, "-", bytes("\u00fcbrig"), "")).isFalse();
        sh("printf './Maildir/\\n' > .qmail-default && chmod 644 .qmail-default");
        f = DotQmail.search(home, "-", bytes("\u00fcbrig")).orElseThrow();
        assertThat(f.name()).isEqualTo(".qmail-default");
        assertThat(f.defaultPart()).isEqualTo(bytes("\u00fcbrig"));

        // A world-writable one is the same temporary failure as for an ASCII name.
        sh("chmod 666 \"$(printf '.qmail-\\303\\274nicode')\"");
        assertThat(org.junit.jupiter.api.Assertions.assertThrows(LocalFailure.class,
                () -> DotQmail.search(home, "-", bytes("\u00fcnicode"))).getMessage()).contains("Uh-oh: .qmail file is writable. (#4.7.0)");
    }
}
