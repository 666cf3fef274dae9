package org.qmailj.tcpserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import org.qmailj.common.ErrorStr;
import org.qmailj.common.Exit;
import org.qmailj.common.sys.Fd;
import org.qmailj.common.sys.Spawn;
import org.qmailj.common.sys.SysException;

/**
 * recordio - records the input and output of a program (recordio(1)) on descriptor 2.
 *
 * <p>A JVM cannot fork, so the roles are swapped: recordio starts the program as its child
 * with pipes as its descriptors 0 and 1 and relays (ucspi-tcp's recordio execs the program
 * and records in a forked child). The lines carry the program's pid, as recordio's do, and
 * recordio exits with the program's exit code (111 if a signal killed it) once the program's
 * output has ended and the program has exited. Usage error: exit 100.
 */
public final class Recordio {
    private static final String FATAL = "recordio: fatal: ";

    private Recordio() {
    }

    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.print("recordio: usage: recordio program [ arg ... ]\n");
            Exit.now(100);
        }
        Exit.now(run(List.of(args), System.getenv()));
    }

    private static int run(List<String> program, Map<String, String> env) {
        String path;
        try {
            path = Names.findProgram(program.getFirst(), env.get("PATH"));
        } catch (IOException e) {
            System.err.print(FATAL + "unable to run " + program.getFirst() + ": " + e.getMessage() + "\n");
            return 111;
        }
        Fd.Pipe toChild;
        Fd.Pipe fromChild;
        long pid;
        try {
            toChild = Fd.pipe();
            fromChild = Fd.pipe();
            pid = Spawn.spawn(path, program, env, List.of(new Spawn.FdAction.Dup2(toChild.read(), 0),
                    new Spawn.FdAction.Dup2(fromChild.write(), 1)));
            Fd.close(toChild.read());
            Fd.close(fromChild.write());
        } catch (SysException e) {
            System.err.print(FATAL + "unable to run " + program.getFirst() + ": " + ErrorStr.of(e.errno()) + "\n");
            return 111;
        }
        String p = Long.toString(pid);
        OutputStream err = System.err;
        Thread input = Thread.ofPlatform().daemon().start(() -> relayInput(p, err, toChild.write()));
        relayOutput(p, err, fromChild.read());
        try {
            Spawn.WaitStatus w = Spawn.waitpid(pid);
            input.interrupt();
            int st = w.status();
            return (st & 0x7f) == 0 ? (st >> 8) & 0xff : 111;
        } catch (SysException e) {
            return 111;
        }
    }

    private static void relayInput(String pid, OutputStream err, int fd) {
        InputStream in = Fd.inputStream(0);
        try (OutputStream child = Fd.outputStream(fd)) {
            byte[] b = new byte[Recorder.PACKET];
            while (true) {
                int n;
                try {
                    n = in.read(b, 0, b.length);
                } catch (IOException e) {
                    n = -1;
                }
                if (n <= 0) {
                    record(err, Recorder.eof(pid, Recorder.IN));
                    return;
                }
                record(err, Recorder.packet(pid, Recorder.IN, b, 0, n));
                child.write(b, 0, n);
            }
        } catch (IOException e) {
            // the program closed its input: stop relaying it
        }
    }

    private static void relayOutput(String pid, OutputStream err, int fd) {
        OutputStream out = Fd.outputStream(1);
        try (InputStream child = Fd.inputStream(fd)) {
            byte[] b = new byte[Recorder.PACKET];
            while (true) {
                int n = child.read(b, 0, b.length);
                if (n <= 0) break;
                record(err, Recorder.packet(pid, Recorder.OUT, b, 0, n));
                out.write(b, 0, n);
            }
        } catch (IOException e) {
            // our output is gone: as recordio, stop
        }
        record(err, Recorder.eof(pid, Recorder.OUT));
    }

    private static void record(OutputStream err, byte[] b) {
        synchronized (err) {
            try {
                err.write(b);
                err.flush();
            } catch (IOException e) {
                // nowhere to record
            }
        }
    }
}
