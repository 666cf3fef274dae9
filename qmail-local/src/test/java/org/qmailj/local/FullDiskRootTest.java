package org.qmailj.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.RootOnly;

/** A full disk (a 64 KiB tmpfs) is a temporary failure that leaves no partial delivery behind. */
@RootOnly
class FullDiskRootTest {
    @TempDir
    Path tmp;
    Path fs;
    Path home;

    @BeforeEach
    void mount() throws IOException {
        fs = Files.createDirectory(tmp.resolve("fs"));
        Cmd.Result r = Cmd.run(List.of("mount", "-t", "tmpfs", "-o", "size=64k,mode=755", "tmpfs", fs.toString()));
        assertThat(r.exit()).as(r.toString()).isZero();
        home = Files.createDirectory(fs.resolve("home"));
        Files.setAttribute(home, "unix:mode", 0755);
        for (String d : List.of("Maildir/tmp", "Maildir/new", "Maildir/cur")) Files.createDirectories(home.resolve(d));
    }

    @AfterEach
    void unmount() throws IOException {
        Cmd.run(List.of("umount", fs.toString()));
    }

    static String big() {
        return "Subject: big\n\n" + ("x".repeat(79) + "\n").repeat(2000);
    }

    @Test
    void maildirDeliveryOnAFullDiskDefersAndLeavesNothing() throws IOException {
        Cmd.Result r = LocalRun.local(Map.of(), big(), "joe", home.toString(), "joe", "", "", "x.org", "s@y", "./Maildir/");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("Temporary error on maildir delivery. (#4.3.0)\n");
        try (var s = Files.list(home.resolve("Maildir/tmp"))) {
            assertThat(s.toList()).isEmpty();
        }
        try (var s = Files.list(home.resolve("Maildir/new"))) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void mboxDeliveryOnAFullDiskIsRolledBack() throws IOException {
        String old = "From a@b Thu Jan  1 00:00:00 1970\nSubject: old\n\nold\n\n";
        Files.writeString(home.resolve("Mailbox"), old);
        Cmd.Result r = LocalRun.local(Map.of(), big(), "joe", home.toString(), "joe", "", "", "x.org", "s@y", "./Mailbox");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("Unable to write ./Mailbox: out of disk space. (#4.3.0)\n");
        assertThat(Files.readString(home.resolve("Mailbox"), StandardCharsets.ISO_8859_1)).isEqualTo(old);
    }
}
