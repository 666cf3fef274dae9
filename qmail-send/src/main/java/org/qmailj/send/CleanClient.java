package org.qmailj.send;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.qmailj.clean.CleanReply;
import org.qmailj.clean.CleanRequest;

/**
 * The pipes to qmail-clean. qmail-clean answers every command with one byte, in order, so a
 * queue of pending futures pairs replies with requests. Used by the scheduler (finished
 * messages), the todo thread (preprocessed messages) and the cleanup thread; thread-safe.
 * A platform reader thread completes the futures; at end of input it fails the pending ones
 * and posts {@link Event.LostClean}.
 */
final class CleanClient {
    private final InputStream in;
    private final OutputStream out;
    private final ArrayDeque<CompletableFuture<CleanReply>> pending = new ArrayDeque<>();
    private boolean dead;

    CleanClient(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    void startReader(BlockingQueue<Event> events) {
        Thread.ofPlatform().daemon().name("comm-clean").start(() -> {
            try {
                int b;
                while ((b = in.read()) >= 0) {
                    CompletableFuture<CleanReply> f;
                    synchronized (this) {
                        f = pending.poll();
                    }
                    if (f != null) f.complete(CleanReply.of(b));
                }
            } catch (IOException e) {
                // as end of file
            }
            synchronized (this) {
                dead = true;
                for (CompletableFuture<CleanReply> f : pending) f.completeExceptionally(new IOException("lost qmail-clean"));
                pending.clear();
            }
            events.add(new Event.LostClean());
        });
    }

    /** True once qmail-clean's end of file was read: no command can be done any more. */
    synchronized boolean lost() {
        return dead;
    }

    /** Sends one command and waits for its reply. Throws when qmail-clean is gone. */
    CleanReply clean(CleanRequest r) throws IOException {
        return await(send(List.of(r)).getFirst());
    }

    /**
     * Sends the commands in one write without waiting (qmail-clean answers them in order);
     * each future completes with its reply, or exceptionally when qmail-clean is gone. Throws
     * when it is gone already.
     */
    List<CompletableFuture<CleanReply>> send(List<CleanRequest> rs) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(rs.size() * 24);
        List<CompletableFuture<CleanReply>> fs = new ArrayList<>(rs.size());
        for (CleanRequest r : rs) {
            b.writeBytes(r.encode());
            fs.add(new CompletableFuture<>());
        }
        synchronized (this) {
            if (dead) throw new IOException("lost qmail-clean");
            pending.addAll(fs);
            try {
                b.writeTo(out);
                out.flush();
            } catch (IOException e) {
                // None of them reached qmail-clean whole: no reply will come for them.
                pending.removeAll(fs);
                dead = true;
                throw e;
            }
        }
        return fs;
    }

    /** The reply a future of {@link #send} completes with; throws when qmail-clean is gone. */
    static CleanReply await(CompletableFuture<CleanReply> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    void close() {
        try {
            out.close();
        } catch (IOException e) {
            // gone already
        }
    }
}
