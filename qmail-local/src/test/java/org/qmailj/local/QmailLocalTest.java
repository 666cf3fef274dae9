package org.qmailj.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qmailj.testing.Cmd;

/**
 * qmail-local standalone: every .qmail line type, the .qmail search, the qmail-command
 * environment, exit codes and bounce texts, the home and .qmail permission rules.
 * Runs as any user (the files belong to whoever runs it).
 */
class QmailLocalTest {
    static final String MSG = "Subject: hi\nX-Test: 1\n\nbody line\nFrom the start\n>From quoted\nlast";

    @TempDir
    Path tmp;
    Path home;
    Path qmailHome;
    Map<String, String> env = new HashMap<>();

    @BeforeEach
    void setUp() throws IOException {
        home = Files.createDirectory(tmp.resolve("home"), perms("rwxr-xr-x"));
        qmailHome = Files.createDirectory(tmp.resolve("qmail"));
        env.put("QMAIL_HOME", qmailHome.toString());
    }

    static java.nio.file.attribute.FileAttribute<?> perms(String p) {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(p));
    }

    void dotqmail(String name, String contents) throws IOException {
        Path f = home.resolve(name);
        Files.writeString(f, contents, StandardCharsets.ISO_8859_1);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    }

    Cmd.Result deliver(String local, String dash, String ext, String sender, String dflt) throws IOException {
        return LocalRun.local(env, MSG, "joe", home.toString(), local, dash, ext, "example.com", sender, dflt);
    }

    Path makeMaildir(String name) throws IOException {
        Path md = home.resolve(name);
        for (String d : List.of("tmp", "new", "cur")) Files.createDirectories(md.resolve(d));
        return md;
    }

    static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void maildirLineStoresReturnPathDeliveredToAndMessageInNew() throws IOException {
        Path md = makeMaildir("Maildir");
        dotqmail(".qmail", "./Maildir/\n");
        Cmd.Result r = deliver("joe", "", "", "s@x.org", "./Mailbox");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("did 1+0+0\n");
        assertThat(files(md.resolve("tmp"))).isEmpty();
        List<Path> news = files(md.resolve("new"));
        assertThat(news).hasSize(1);
        assertThat(news.get(0).getFileName().toString()).matches("\\d+\\.M\\d+P\\d+Q\\d+\\..+");
        assertThat(Files.readString(news.get(0), StandardCharsets.ISO_8859_1))
                .isEqualTo("Return-Path: <s@x.org>\nDelivered-To: joe@example.com\n" + MSG);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(news.get(0)))).isEqualTo("rw-------");
        // A real maildir reader sees one message with our headers.
        Cmd.Result py = Cmd.run(List.of("python3", "-c",
                "import mailbox,sys; m=mailbox.Maildir(sys.argv[1], create=False); "
                        + "l=list(m); print(len(l), l[0]['Delivered-To'], l[0]['Subject'], l[0]['Return-Path'])",
                md.toString()));
        assertThat(py.out()).as(py.toString()).isEqualTo("1 joe@example.com hi <s@x.org>\n");
    }

    @Test
    void mboxDefaultDeliveryWritesFromLineQuotesFromAndEndsWithBlankLine() throws IOException {
        Cmd.Result r = deliver("joe", "", "", "", "./Mailbox");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("did 1+0+0\n");
        String box = Files.readString(home.resolve("Mailbox"), StandardCharsets.ISO_8859_1);
        assertThat(box).matches("(?s)From MAILER-DAEMON [A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}\n"
                + "Return-Path: <>\nDelivered-To: joe@example.com\n"
                + "Subject: hi\nX-Test: 1\n\nbody line\n>From the start\n>>From quoted\nlast\n\n");
        // A second delivery appends; a real mbox reader sees two messages.
        r = deliver("joe", "", "", "a b@x.org", "./Mailbox");
        assertThat(r.exit()).isZero();
        box = Files.readString(home.resolve("Mailbox"), StandardCharsets.ISO_8859_1);
        assertThat(box).contains("\n\nFrom a-b@x.org ");
        Cmd.Result py = Cmd.run(List.of("python3", "-c",
                "import mailbox,sys; l=list(mailbox.mbox(sys.argv[1], create=False)); "
                        + "print(len(l), l[1]['Return-Path'], l[0].get_payload().splitlines()[1])",
                home.resolve("Mailbox").toString()));
        assertThat(py.out()).as(py.toString()).isEqualTo("2 <\"a b\"@x.org> >From the start\n");
    }

    @Test
    void mboxDeliveryWaitsForTheFlockOfAMailReader() throws Exception {
        Path box = home.resolve("Mailbox");
        Files.writeString(box, "");
        // The holder says when it has the lock, so the delivery surely starts while it is held.
        Process holder = new ProcessBuilder("flock", box.toString(), "sh", "-c", "echo locked; exec sleep 2").start();
        assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream())).readLine()).isEqualTo("locked");
        long t0 = System.nanoTime();
        Cmd.Result r = deliver("joe", "", "", "s@x.org", "./Mailbox");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(holder.waitFor()).isZero();
        assertThat(ms).as("waited for the lock").isGreaterThan(1200);
        assertThat(Files.readString(box)).contains("Delivered-To: joe@example.com\n");
    }

    @Test
    void absoluteMboxAndMaildirLinesAndComments() throws IOException {
        Path md = makeMaildir("Other");
        dotqmail(".qmail-list", "# comment\n" + home.resolve("box") + "  \t\n" + md + "/\n\n#end\n");
        Cmd.Result r = deliver("joe-list", "-", "list", "s@x.org", "./Mailbox");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("did 2+0+0\n");
        assertThat(files(md.resolve("new"))).hasSize(1);
        assertThat(Files.readString(home.resolve("box"))).contains("Delivered-To: joe-list@example.com\n");
    }

    @Test
    void programLineGetsEveryQmailCommandVariableAndTheBareMessage() throws IOException {
        dotqmail(".qmail-foo-default", "|env > envout; [ -f /dev/stdin ] && cat > msgout; pwd > pwdout\n");
        dotqmail(".qmail-foo-bar-baz-q:x-owner", ""); // qmail checks .qmail-EXT-owner, not the default file's
        env.put("INHERITED", "yes");
        Cmd.Result r = LocalRun.local(env, MSG, "joe", home.toString(), "joe-Foo-Bar-baz-q.x",
                "-", "Foo-Bar-baz-q.x", "mx.example.co.uk", "s@x.org", "./Mailbox");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("did 0+0+1\n");
        assertThat(Files.readString(home.resolve("msgout"))).isEqualTo(MSG);
        assertThat(Files.readString(home.resolve("pwdout"))).isEqualTo(home + "\n");
        String e = Files.readString(home.resolve("envout"));
        String rcpt = "joe-Foo-Bar-baz-q.x@mx.example.co.uk";
        assertThat(e).contains("\nSENDER=s@x.org\n", "\nNEWSENDER=joe-Foo-Bar-baz-q.x-owner@mx.example.co.uk\n",
                "\nRECIPIENT=" + rcpt + "\n", "\nUSER=joe\n", "\nHOME=" + home + "\n",
                "\nHOST=mx.example.co.uk\n", "\nHOST2=mx.example.co\n", "\nHOST3=mx.example\n", "\nHOST4=mx\n",
                "\nLOCAL=joe-Foo-Bar-baz-q.x\n", "\nEXT=Foo-Bar-baz-q.x\n", "\nEXT2=Bar-baz-q.x\n",
                "\nEXT3=baz-q.x\n", "\nEXT4=q.x\n", "\nDEFAULT=Bar-baz-q.x\n",
                "\nDTLINE=Delivered-To: " + rcpt + "\n\n", "\nRPLINE=Return-Path: <s@x.org>\n\n",
                "\nUFLINE=From s@x.org ", "\nINHERITED=yes\n");
    }

    @Test
    void eachProgramLineGetsTheWholeMessage() throws IOException {
        dotqmail(".qmail-two", "|head -c 4 > one\n|cat > two\n");
        Cmd.Result r = deliver("joe-two", "-", "two", "s@x.org", "./Mailbox");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(Files.readString(home.resolve("one"))).isEqualTo(MSG.substring(0, 4));
        assertThat(Files.readString(home.resolve("two"))).isEqualTo(MSG);
    }

    @Test
    void defaultVariableIsUnsetForAnExactFileAndVerpOwnerSender() throws IOException {
        dotqmail(".qmail-list", "|env > envout\n");
        dotqmail(".qmail-list-owner", "");
        dotqmail(".qmail-list-owner-default", "");
        env.put("DEFAULT", "leaked");
        Cmd.Result r = deliver("joe-list", "-", "list", "s@x.org", "./Mailbox");
        assertThat(r.exit()).as(r.toString()).isZero();
        String e = Files.readString(home.resolve("envout"));
        assertThat(e).doesNotContain("DEFAULT=").contains("\nNEWSENDER=joe-list-owner-@example.com-@[]\n");
        // bounces keep their empty sender
        r = deliver("joe-list", "-", "list", "", "./Mailbox");
        assertThat(Files.readString(home.resolve("envout"))).contains("\nNEWSENDER=\n");
    }

    @Test
    void programExitCodesFollowQmailCommand() throws IOException {
        int[][] cases = {{0, 0}, {100, 100}, {64, 100}, {65, 100}, {70, 100}, {76, 100}, {77, 100},
                {78, 100}, {112, 100}, {111, 111}, {1, 111}, {2, 111}, {75, 111}};
        for (int[] c : cases) {
            dotqmail(".qmail-x", "|echo said " + c[0] + "; exit " + c[0] + "\n");
            Cmd.Result r = deliver("joe-x", "-", "x", "s@x.org", "./Mailbox");
            assertThat(r.exit()).as("program exit " + c[0] + ": " + r).isEqualTo(c[1]);
            assertThat(r.out()).startsWith("said " + c[0] + "\n");
        }
        dotqmail(".qmail-x", "|kill -9 $$\n");
        Cmd.Result r = deliver("joe-x", "-", "x", "s@x.org", "./Mailbox");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("Aack, child crashed. (#4.3.0)\n");
    }

    @Test
    void exit99StopsFurtherLinesButEarlierForwardsStillHappen() throws IOException {
        Path log = fakeQueue(0);
        dotqmail(".qmail-x", "&fwd@a.org\n|exit 99\n./never\n|touch never2\n");
        Cmd.Result r = deliver("joe-x", "-", "x", "s@x.org", "./Mailbox");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("did 0+1+1\n");
        assertThat(home.resolve("never")).doesNotExist();
        assertThat(home.resolve("never2")).doesNotExist();
        assertThat(Files.readString(log.resolveSibling("env"), StandardCharsets.ISO_8859_1)).isEqualTo("Fs@x.org\0Tfwd@a.org\0\0");
    }

    /** A QMAILQUEUE that records the message and envelope it gets and exits with {@code exit}. */
    Path fakeQueue(int exit) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("q"));
        Path script = dir.resolve("fakeq");
        Files.writeString(script, "#!/bin/sh\ncat > " + dir.resolve("msg") + "\ncat <&1 > " + dir.resolve("env")
                + "\nexit " + exit + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        env.put("QMAILQUEUE", script.toString());
        return dir.resolve("msg");
    }

    @Test
    void forwardLinesGoThroughTheQueueWithDeliveredTo() throws IOException {
        Path msg = fakeQueue(0);
        dotqmail(".qmail", "&one@a.org\ntwo@b.org\n# c\n");
        Cmd.Result r = deliver("joe", "", "", "s@x.org", "./Mailbox");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo("did 0+2+0\n");
        assertThat(Files.readString(msg, StandardCharsets.ISO_8859_1)).isEqualTo("Delivered-To: joe@example.com\n" + MSG);
        assertThat(Files.readString(msg.resolveSibling("env"), StandardCharsets.ISO_8859_1))
                .isEqualTo("Fs@x.org\0Tone@a.org\0Ttwo@b.org\0\0");
    }

    @Test
    void forwardFailuresAreTemporaryOrPermanentAsTheQueueSays() throws IOException {
        fakeQueue(31);
        dotqmail(".qmail", "&one@a.org\n");
        Cmd.Result r = deliver("joe", "", "", "s@x.org", "./Mailbox");
        assertThat(r.exit()).isEqualTo(100);
        assertThat(r.err()).startsWith("Unable to forward message: ").endsWith(".\n");
        fakeQueue(71);
        r = deliver("joe", "", "", "s@x.org", "./Mailbox");
        assertThat(r.exit()).isEqualTo(111);
    }

    @Test
    void extensionSearchTriesDefaultsFromMostSpecificAndBouncesWhenNoneExists() throws IOException {
        dotqmail(".qmail-a-default", "./a-default\n");
        dotqmail(".qmail-default", "./default\n");
        dotqmail(".qmail-b:c", "./b-colon\n");
        assertThat(deliver("joe-a-b-c", "-", "a-b-c", "s@x", "./Mailbox").exit()).isZero();
        assertThat(home.resolve("a-default")).exists();
        assertThat(deliver("joe-zz", "-", "zz", "s@x", "./Mailbox").exit()).isZero();
        assertThat(home.resolve("default")).exists();
        assertThat(deliver("joe-B.C", "-", "B.C", "s@x", "./Mailbox").exit()).isZero();
        assertThat(home.resolve("b-colon")).exists();
        Files.delete(home.resolve(".qmail-default"));
        Cmd.Result r = deliver("joe-zz", "-", "zz", "s@x", "./Mailbox");
        assertThat(r.exit()).isEqualTo(100);
        assertThat(r.err()).isEqualTo("Sorry, no mailbox here by that name. (#5.1.1)\n");
    }

    @Test
    void emptyDotQmailFollowsDefaultDelivery() throws IOException {
        dotqmail(".qmail-e", "");
        Path md = makeMaildir("Maildir");
        Cmd.Result r = deliver("joe-e", "-", "e", "s@x", "./Maildir/");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(files(md.resolve("new"))).hasSize(1);
    }

    @Test
    void deliveredToLoopBounces() throws IOException {
        Cmd.Result r = LocalRun.local(env, "Delivered-To: joe@example.com\nSubject: x\n\nb\n", "joe",
                home.toString(), "joe", "", "", "example.com", "s@x", "./Mailbox");
        assertThat(r.exit()).isEqualTo(100);
        assertThat(r.err()).isEqualTo("This message is looping: it already has my Delivered-To line. (#5.4.6)\n");
        // the same line in the body does not count
        r = LocalRun.local(env, "Subject: x\n\nDelivered-To: joe@example.com\n", "joe",
                home.toString(), "joe", "", "", "example.com", "s@x", "./Mailbox");
        assertThat(r.exit()).isZero();
        // a header longer than the first block read (64 KiB): the line past it is seen
        String longHeader = "X-Long: " + "y".repeat(70_000) + "\nDelivered-To: joe@example.com\n\nb\n";
        r = LocalRun.local(env, longHeader, "joe", home.toString(), "joe", "", "", "example.com", "s@x", "./Mailbox");
        assertThat(r.exit()).isEqualTo(100);
        assertThat(r.err()).isEqualTo("This message is looping: it already has my Delivered-To line. (#5.4.6)\n");
        // and a header line that starts in the first block and ends after it
        r = LocalRun.local(env, "X-Pad: " + "y".repeat(65_536 - 8 - 14) + "\nDelivered-To: joe@example.com\n\nb\n", "joe",
                home.toString(), "joe", "", "", "example.com", "s@x", "./Mailbox");
        assertThat(r.exit()).isEqualTo(100);
    }

    @Test
    void executableDotQmailMayOnlyForward() throws IOException {
        fakeQueue(0);
        dotqmail(".qmail-x", "./box\n");
        Files.setPosixFilePermissions(home.resolve(".qmail-x"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Cmd.Result r = deliver("joe-x", "-", "x", "s@x", "./Mailbox");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("Uh-oh: .qmail has file delivery but has x bit set. (#4.7.0)\n");
        dotqmail(".qmail-x", "|true\n");
        Files.setPosixFilePermissions(home.resolve(".qmail-x"), PosixFilePermissions.fromString("rwxr-xr-x"));
        r = deliver("joe-x", "-", "x", "s@x", "./Mailbox");
        assertThat(r.err()).isEqualTo("Uh-oh: .qmail has prog delivery but has x bit set. (#4.7.0)\n");
        dotqmail(".qmail-x", "&a@b.org\n");
        Files.setPosixFilePermissions(home.resolve(".qmail-x"), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(deliver("joe-x", "-", "x", "s@x", "./Mailbox").exit()).isZero();
    }

    @Test
    void stickyOrWritableHomeAndWritableDotQmailDefer() throws IOException {
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setAttribute(home, "unix:mode", 01755);
        Cmd.Result r = deliver("joe", "", "", "s@x", "./Mailbox");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("Home directory is sticky: user is editing his .qmail file. (#4.2.1)\n");
        Files.setAttribute(home, "unix:mode", 0757);
        r = deliver("joe", "", "", "s@x", "./Mailbox");
        assertThat(r.err()).isEqualTo("Uh-oh: home directory is writable. (#4.7.0)\n");
        Files.setAttribute(home, "unix:mode", 0755);
        dotqmail(".qmail", "./Mailbox\n");
        Files.setAttribute(home.resolve(".qmail"), "unix:mode", 0646);
        r = deliver("joe", "", "", "s@x", "./Mailbox");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("Uh-oh: .qmail file is writable. (#4.7.0)\n");
        assertThat(home.resolve("Mailbox")).doesNotExist();
    }

    @Test
    void blankFirstLineDefers() throws IOException {
        dotqmail(".qmail", "\n./Mailbox\n");
        Cmd.Result r = deliver("joe", "", "", "s@x", "./Mailbox");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("Uh-oh: first line of .qmail file is blank. (#4.2.1)\n");
    }

    @Test
    void dashNOnlyDescribes() throws IOException {
        dotqmail(".qmail", "# c\n./Mailbox\n./Maildir/\n|prog arg\n&a@b.org\nc@d.org\n");
        Cmd.Result r = LocalRun.local(env, "", "-n", "joe", home.toString(), "joe", "", "", "example.com", "s", "./Mailbox");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("mbox ./Mailbox\nmaildir ./Maildir/\nprogram prog arg\nforward a@b.org\nforward c@d.org\n");
        assertThat(home.resolve("Mailbox")).doesNotExist();
    }

    @Test
    void usageErrors() throws IOException {
        Cmd.Result r = LocalRun.local(env, "", "joe", home.toString());
        assertThat(r.exit()).isEqualTo(100);
        assertThat(r.err()).startsWith("qmail-local: usage:");
        r = LocalRun.local(env, "", "joe", "relative", "joe", "", "", "d", "s", "./Mailbox");
        assertThat(r.exit()).isEqualTo(100);
    }

    @Test
    void missingMaildirOrHomeIsTemporary() throws IOException {
        Cmd.Result r = deliver("joe", "", "", "s@x", "./Nope/");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("Unable to chdir to maildir. (#4.2.1)\n");
        r = LocalRun.local(env, MSG, "joe", tmp.resolve("nohome").toString(), "joe", "", "", "d", "s", "./Mailbox");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).startsWith("Unable to switch to " + tmp.resolve("nohome") + ": ");
    }

    @Test
    void fullDiskIsTemporaryAndMboxIsRolledBack() throws IOException {
        Cmd.Result r = deliver("joe", "", "", "s@x", "/dev/full");
        assertThat(r.exit()).isEqualTo(111);
        assertThat(r.err()).isEqualTo("Unable to write /dev/full: out of disk space. (#4.3.0)\n");
    }

    static byte[] big(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 'x');
        for (int i = 79; i < n; i += 80) b[i] = '\n';
        return b;
    }
}
