package org.qmailj.send;

import org.qmailj.common.metrics.Exposition;

/** qmail-send's /metrics: its counters and queue census in the shared {@link Exposition} format. */
final class SendExposition {
    private SendExposition() { }

    static String render(SendMetrics m, QueueCensus q) {
        Exposition e = new Exposition();
        e.help("qmailj_queue_messages", "gauge", "Messages in the queue by state: todo (not yet preprocessed), queued (preprocessed, not finished), bounce (waiting for their bounce).");
        e.sample("qmailj_queue_messages", q.todo(), "state", "todo");
        e.sample("qmailj_queue_messages", q.queued(), "state", "queued");
        e.sample("qmailj_queue_messages", q.bounces(), "state", "bounce");
        e.help("qmailj_queue_channel_messages", "gauge", "Queued messages with recipients on a channel (local/, remote/).");
        for (Channel c : Channel.values()) e.sample("qmailj_queue_channel_messages", q.channelMessages()[c.ordinal()], "channel", c.word);
        e.help("qmailj_queue_recipients", "gauge", "Recipients of queued messages by channel and state (pending: NOT DONE).");
        for (Channel c : Channel.values()) {
            e.sample("qmailj_queue_recipients", q.pending()[c.ordinal()], "channel", c.word, "state", "pending");
            e.sample("qmailj_queue_recipients", q.done()[c.ordinal()], "channel", c.word, "state", "done");
        }
        e.help("qmailj_queue_oldest_message_age_seconds", "gauge", "Age of the oldest preprocessed message (0: none).");
        e.sample("qmailj_queue_oldest_message_age_seconds", q.oldestAge());
        e.help("qmailj_queue_scan_timestamp_seconds", "gauge", "When the queue figures above were counted.");
        e.sample("qmailj_queue_scan_timestamp_seconds", q.at());

        e.help("qmailj_deliveries_total", "counter", "Finished delivery attempts by channel and result.");
        for (Channel c : Channel.values()) {
            for (SendMetrics.Result r : SendMetrics.Result.values()) {
                e.sample("qmailj_deliveries_total", m.deliveries(c, r), "channel", c.word, "result", r.word);
            }
        }
        e.help("qmailj_deliveries_started_total", "counter", "Delivery attempts started by channel.");
        for (Channel c : Channel.values()) e.sample("qmailj_deliveries_started_total", m.started(c), "channel", c.word);
        e.help("qmailj_delivery_reports_mangled_total", "counter", "Spawner reports that were neither K, Z nor D (counted as deferrals too).");
        e.sample("qmailj_delivery_reports_mangled_total", m.mangled.sum());
        e.help("qmailj_delivery_attempt_seconds", "histogram", "Time from starting a delivery to its report.");
        for (Channel c : Channel.values()) e.histogram("qmailj_delivery_attempt_seconds", m.attempt(c), "channel", c.word);
        e.help("qmailj_delivery_queue_delay_seconds", "histogram", "Time from a message's arrival (info/ mtime) to a recipient's success or failure.");
        for (Channel c : Channel.values()) e.histogram("qmailj_delivery_queue_delay_seconds", m.queueDelay(c), "channel", c.word);
        e.help("qmailj_concurrency_in_use", "gauge", "Deliveries in progress by channel.");
        for (Channel c : Channel.values()) e.sample("qmailj_concurrency_in_use", m.inProgress(c), "channel", c.word);
        e.help("qmailj_concurrency_limit", "gauge", "Delivery slots by channel (concurrencylocal/remote, capped by the spawner).");
        for (Channel c : Channel.values()) e.sample("qmailj_concurrency_limit", m.limit(c), "channel", c.word);
        e.help("qmailj_messages_preprocessed_total", "counter", "Messages preprocessed from todo/ (new msg).");
        e.sample("qmailj_messages_preprocessed_total", m.preprocessed.sum());
        e.help("qmailj_messages_completed_total", "counter", "Messages finished and removed (end msg).");
        e.sample("qmailj_messages_completed_total", m.ended.sum());

        e.jvm("qmail-send", m.startedAt);
        return e.text();
    }
}
