package org.qmailj.common.sys;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * Child JVM main for {@link ProtTest}, run as root with {@code uid gid extraGid}: sets two
 * supplementary groups, then drops to uid/gid while extra threads are alive, and prints what
 * every thread of the process shows in /proc/self/task/N/status, for the test to assert.
 */
public final class ProtChild {
    private ProtChild() {
    }

    public static void main(String[] args) throws Exception {
        int uid = Integer.parseInt(args[0]);
        int gid = Integer.parseInt(args[1]);
        int extraGid = Integer.parseInt(args[2]);

        // Threads that never call setuid themselves; glibc must change them too.
        CountDownLatch done = new CountDownLatch(1);
        for (int i = 0; i < 3; i++) {
            Thread.ofPlatform().daemon().start(() -> await(done));
        }
        Thread.ofVirtual().start(() -> await(done));

        Prot.groups(new int[] {gid, extraGid});
        System.out.println("groups-set " + distinct("Groups:"));

        Prot.dropTo(uid, gid);
        System.out.println("threads " + threadStatuses().count());
        System.out.println("uid " + distinct("Uid:"));
        System.out.println("gid " + distinct("Gid:"));
        System.out.println("groups " + distinct("Groups:"));
        System.out.println("res " + Proc.getresuid() + " " + Proc.getresgid() + " "
                + java.util.Arrays.toString(Proc.getgroups()));

        Path probe = Path.of("/root/qjtest-probe-" + ProcessHandle.current().pid());
        try {
            Files.writeString(probe, "x");
            Files.delete(probe);
            System.out.println("root-write allowed");
        } catch (AccessDeniedException e) {
            System.out.println("root-write denied");
        }

        try {
            Prot.uid(0);
            System.out.println("setuid0 succeeded");
        } catch (SysException e) {
            System.out.println("setuid0 errno " + e.errno() + " " + e.getMessage());
        }
        done.countDown();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The distinct values of one status line across all threads, e.g. "[1001 1001 1001 1001]". */
    private static String distinct(String field) throws IOException {
        TreeSet<String> values = new TreeSet<>();
        for (Path status : threadStatuses().toList()) {
            List<String> lines = Files.readAllLines(status);
            lines.stream().filter(l -> l.startsWith(field))
                    .map(l -> l.substring(field.length()).trim().replaceAll("\\s+", " "))
                    .forEach(values::add);
        }
        return values.toString();
    }

    private static Stream<Path> threadStatuses() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.map(t -> t.resolve("status")).toList().stream();
        }
    }
}
