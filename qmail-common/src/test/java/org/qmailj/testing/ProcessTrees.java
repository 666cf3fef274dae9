package org.qmailj.testing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Teardown for tests that start process trees (svscan, supervise and their ./run children): a
 * test takes a snapshot of the tree while it still hangs together, asks it to stop, and then
 * waits until every process in it is gone, so that nothing writes into a temporary directory
 * JUnit is deleting. Processes still alive after the grace period are killed and waited for.
 */
public final class ProcessTrees {
    private ProcessTrees() {}

    /** {@code root} and all its descendants now (children reparented later are not found). */
    public static List<ProcessHandle> snapshot(ProcessHandle root) {
        return Stream.concat(Stream.of(root), root.descendants()).toList();
    }

    /** The live processes with these pids (a pid that is gone or unparsable is skipped). */
    public static List<ProcessHandle> of(Collection<Long> pids) {
        List<ProcessHandle> out = new ArrayList<>();
        for (long p : pids) ProcessHandle.of(p).ifPresent(out::add);
        return out;
    }

    /**
     * Waits up to {@code graceSeconds} for every process to exit by itself, then kills the rest
     * with SIGKILL and waits for them; fails if one survives that.
     */
    public static void awaitGone(Collection<ProcessHandle> processes, int graceSeconds) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
        for (ProcessHandle h : processes) {
            long left = end - System.nanoTime();
            if (left > 0) waitFor(h, left);
        }
        for (ProcessHandle h : processes) if (h.isAlive()) h.destroyForcibly();
        for (ProcessHandle h : processes) {
            waitFor(h, TimeUnit.SECONDS.toNanos(30));
            if (h.isAlive()) throw new AssertionError("process " + h.pid() + " survived SIGKILL for 30 s");
        }
    }

    private static void waitFor(ProcessHandle h, long nanos) {
        try {
            h.onExit().get(nanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // still running: the caller kills it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e);
        }
    }
}
