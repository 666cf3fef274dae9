package org.qmailj.send;

/** What the reader, todo and signal threads post to the scheduler thread. */
sealed interface Event {
    /** A spawner reported on delivery slot {@code delnum}; text starts with K, Z or D. */
    record Report(Channel channel, int delnum, String text) implements Event {}

    /** A spawner's report pipe ended (it died). */
    record LostSpawn(Channel channel) implements Event {}

    /** qmail-clean's pipe ended. */
    record LostClean() implements Event {}

    /**
     * The todo thread preprocessed message {@code id}: info/, local/, remote/ are on disk, and
     * {@code fresh} is what it wrote there (so the scheduler need not read it back).
     */
    record Preprocessed(long id, Fresh fresh) implements Event {}

    /** SIGALRM: retry everything now. */
    record Alarm() implements Event {}

    /** SIGHUP: reread locals and virtualdomains. */
    record Hangup() implements Event {}

    /** qmail-qctl's request, from the control channel; the answer completes {@code reply}. */
    record Control(ControlRequest request, java.util.concurrent.CompletableFuture<String> reply) implements Event {}

    /** SIGTERM: start no more deliveries, wait for the running ones, exit. */
    record Terminate() implements Event {}
}
