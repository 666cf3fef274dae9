package org.qmailj.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.qmailj.testing.Cmd;
import org.qmailj.testing.DefaultSignals;
import org.qmailj.testing.ProcessTrees;

/**
 * A service directory with a run script that records its pids and the signals it gets, and
 * a supervise (ours or Debian's) running on it.
 */
final class Service implements AutoCloseable {
    /**
     * Records each signal in ./sigs (TERM makes it exit) and then its pid in ./pids: a test
     * that has seen the pid may signal it at once (HUP before the trap would kill it).
     */
    static final String RUN = """
            #!/bin/sh
            trap 'echo HUP >> sigs' HUP
            trap 'echo ALRM >> sigs' ALRM
            trap 'echo INT >> sigs' INT
            trap 'echo CONT >> sigs' CONT
            trap 'echo TERM >> sigs; exit 0' TERM
            echo $$ >> pids
            while :; do sleep 0.05; done
            """;

    final Path dir;
    final boolean ours;
    private Process supervise;
    private boolean scanner;

    private Service(Path dir, boolean ours) {
        this.dir = dir;
        this.ours = ours;
    }

    static Service create(Path dir, String run, boolean down, boolean ours) throws IOException {
        Files.createDirectories(dir);
        Path r = dir.resolve("run");
        Files.writeString(r, run);
        Files.setPosixFilePermissions(r, PosixFilePermissions.fromString("rwxr-xr-x"));
        if (down) {
            Files.writeString(dir.resolve("down"), "");
        }
        return new Service(dir, ours);
    }

    Service start() throws IOException {
        return start(ours ? Tools.java("org.qmailj.supervise.Supervise", dir.toString())
                : DefaultSignals.command("/usr/bin/supervise", dir.toString()));
    }

    /** Supervised by svscan-inprocess scanning the parent directory (this service alone). */
    Service startInProcess() throws IOException {
        scanner = true;
        return start(Tools.java("org.qmailj.supervise.SvscanInProcess", dir.getParent().toString()));
    }

    private Service start(List<String> cmd) throws IOException {
        supervise = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolveSibling(dir.getFileName() + ".err").toFile()).start();
        await("svok", () -> okRunning());
        return this;
    }

    Process process() {
        return supervise;
    }

    boolean okRunning() {
        try {
            return Cmd.run(List.of("/usr/bin/svok", dir.toString())).exit() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    byte[] status() throws IOException {
        return Files.readAllBytes(dir.resolve("supervise/status"));
    }

    Status decoded() throws IOException {
        return Status.decode(status());
    }

    List<Long> pids() throws IOException {
        List<Long> out = new ArrayList<>();
        for (String l : lines("pids")) {
            out.add(Long.parseLong(l.trim()));
        }
        return out;
    }

    List<String> sigs() throws IOException {
        return lines("sigs");
    }

    private List<String> lines(String name) throws IOException {
        try {
            return Files.readAllLines(dir.resolve(name), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    /** The process state letter from /proc (R, S, T for stopped, Z), or "gone". */
    static String procState(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException e) {
            return "gone";
        }
    }

    void svc(String opts) throws IOException {
        Cmd.Result r = Cmd.run(List.of("/usr/bin/svc", opts, dir.toString()));
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    static void await(String what, BooleanSupplier cond) {
        long end = System.nanoTime() + 15_000_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    static boolean quiet(IoCheck c) {
        try {
            return c.check();
        } catch (IOException e) {
            return false;
        }
    }

    interface IoCheck {
        boolean check() throws IOException;
    }

    /**
     * Stops supervise (or the scanner) and ./run, and waits until every process of the tree is
     * gone: supervise writes supervise/status as it exits, which must not race JUnit deleting
     * the temporary directory.
     */
    @Override
    public void close() throws IOException {
        if (supervise == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>(ProcessTrees.snapshot(supervise.toHandle()));
        if (scanner && supervise.isAlive()) {
            Cmd.run(List.of("/usr/bin/svc", "-d", dir.toString()));
            awaitQuietly(() -> quiet(() -> decoded().pid() == 0));
            supervise.destroyForcibly();
        }
        if (supervise.isAlive()) {
            Cmd.run(List.of("/usr/bin/svc", "-dx", dir.toString()));
        }
        tree.addAll(ProcessTrees.of(pids()));
        ProcessTrees.awaitGone(tree, 10);
    }

    /** Like await, but gives up silently at the deadline: teardown goes on regardless. */
    static void awaitQuietly(BooleanSupplier cond) {
        try {
            await("teardown", cond);
        } catch (AssertionError e) {
            // the caller kills what is left
        }
    }
}
