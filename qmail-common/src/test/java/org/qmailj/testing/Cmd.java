package org.qmailj.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program the way a test needs: given stdin bytes, with a deadline, capturing stdout
 * and stderr separately as bytes. A program still running at the deadline is killed and the
 * test fails with what it printed so far. Started with default signal dispositions
 * ({@link DefaultSignals}), whatever the suite inherited.
 */
public final class Cmd {
    public record Result(int exit, byte[] stdout, byte[] stderr) {
        public String out() { return new String(stdout, StandardCharsets.ISO_8859_1); }
        public String err() { return new String(stderr, StandardCharsets.ISO_8859_1); }
        @Override public String toString() { return "exit " + exit + "\nstdout: " + out() + "\nstderr: " + err(); }
    }

    private Cmd() {}

    public static Result run(List<String> command) throws IOException {
        return run(command, Map.of(), null, new byte[0], 60);
    }

    public static Result run(List<String> command, Map<String, String> env, Path dir, byte[] stdin, int seconds) throws IOException {
        ProcessBuilder pb = DefaultSignals.builder(command);
        pb.environment().putAll(env);
        if (dir != null) pb.directory(dir.toFile());
        Process p = pb.start();
        CompletableFuture<byte[]> out = drain(p.getInputStream());
        CompletableFuture<byte[]> err = drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin);
        } catch (IOException e) {
            // the program may exit without reading its input; that is its business
        }
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " still running after " + seconds + " s; stderr so far: "
                        + new String(err.getNow(new byte[0]), StandardCharsets.ISO_8859_1));
            }
            return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException(e);
        }
    }

    private static CompletableFuture<byte[]> drain(InputStream s) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (s) {
                s.transferTo(b);
            } catch (IOException e) {
                // the stream closes when the process dies; keep what came
            }
            return b.toByteArray();
        }, r -> Thread.ofPlatform().daemon().start(r));
    }
}
