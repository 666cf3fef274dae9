package org.qmailj.smtpd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qmailj.common.Exit;
import org.qmailj.common.QmailHome;
import org.qmailj.common.address.Address;
import org.qmailj.common.cdb.CdbWriter;

/**
 * qmail-newmrh - prepare morercpthosts for qmail-smtpd (qmail-newmrh(8)). Reads
 * control/morercpthosts (lower-cased, trailing spaces and tabs dropped, blank and {@code #}
 * lines skipped) and writes control/morercpthosts.cdb through control/morercpthosts.tmp,
 * renamed into place; on any problem the old cdb stays.
 */
public final class QmailNewmrh {
    private QmailNewmrh() { }

    public static void main(String[] args) {
        Exit.now(run(QmailHome.current()));
    }

    static int run(QmailHome home) {
        Path control = home.control().dir();
        String text;
        try {
            text = Files.readString(control.resolve("morercpthosts"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            System.err.print("qmail-newmrh: fatal: unable to read control/morercpthosts\n");
            return 111;
        }
        try (CdbWriter cdb = CdbWriter.create(control.resolve("morercpthosts.cdb"), control.resolve("morercpthosts.tmp"))) {
            for (String line : text.split("\n")) {
                String l = Address.lowerAscii(line);
                int len = l.length();
                while (len > 0 && (l.charAt(len - 1) == ' ' || l.charAt(len - 1) == '\t')) len--;
                l = l.substring(0, len);
                if (l.isEmpty() || l.charAt(0) == '#') continue;
                cdb.add(l.getBytes(StandardCharsets.ISO_8859_1), new byte[0]);
            }
            cdb.finish();
            return 0;
        } catch (IOException e) {
            System.err.print("qmail-newmrh: fatal: unable to write to control/morercpthosts.tmp\n");
            return 111;
        }
    }
}
