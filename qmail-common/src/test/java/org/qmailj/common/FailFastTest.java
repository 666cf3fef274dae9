package org.qmailj.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.qmailj.common.sys.ChildJvm;

class FailFastTest {
    /** A daemon whose worker thread dies: the JVM must end with 111, not live on half-dead. */
    public static final class DyingDaemon {
        public static void main(String[] args) throws Exception {
            FailFast.install("dying-daemon");
            Thread keeper = new Thread(() -> {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "keeper");
            keeper.start(); // non-daemon: without FailFast the JVM would never exit
            Runnable boom = () -> {
                throw new IllegalStateException("scheduler broke");
            };
            if (args.length > 0 && args[0].equals("virtual")) {
                Thread.ofVirtual().name("v-worker").start(boom);
            } else {
                new Thread(boom, "scheduler").start();
            }
            keeper.join();
        }
    }

    @Test
    void exceptionOnAPlatformThreadHaltsWith111() throws Exception {
        ChildJvm.Result r = ChildJvm.run(DyingDaemon.class);
        assertThat(r.exitCode()).isEqualTo(111);
        assertThat(r.stderr()).contains("dying-daemon: fatal: unexpected java.lang.IllegalStateException: scheduler broke in thread scheduler; exiting 111");
    }

    @Test
    void exceptionOnAVirtualThreadHaltsWith111() throws Exception {
        ChildJvm.Result r = ChildJvm.run(DyingDaemon.class, "virtual");
        assertThat(r.exitCode()).isEqualTo(111);
        assertThat(r.stderr()).contains("in thread v-worker; exiting 111");
    }
}
