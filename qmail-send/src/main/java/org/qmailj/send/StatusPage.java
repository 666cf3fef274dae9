package org.qmailj.send;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The status page at /: plain HTML with an inline SVG chart, refreshed by a meta tag. Every
 * text that is not a literal of this class goes through {@link #esc}: recipient addresses,
 * senders, reports and log lines come from outside.
 */
final class StatusPage {
    static final int TOP_REASONS = 10;
    static final int MINUTES = 15;
    static final int MAX_LINE = 1000;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HM = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

    private final StringBuilder b = new StringBuilder(32768);

    static String render(SendMetrics m, QueueCensus q, List<StatusHistory.Sample> history, List<LogTail.Line> log) {
        StatusPage p = new StatusPage();
        p.page(m, q, history, log);
        return p.b.toString();
    }

    static String esc(String s) {
        StringBuilder o = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> o.append("&lt;");
                case '>' -> o.append("&gt;");
                case '&' -> o.append("&amp;");
                case '"' -> o.append("&quot;");
                case '\'' -> o.append("&#39;");
                default -> o.append(c < 32 && c != '\t' ? '\uFFFD' : c);
            }
        }
        return o.toString();
    }

    private StatusPage t(String literal) {
        b.append(literal);
        return this;
    }

    private StatusPage x(Object text) {
        b.append(esc(String.valueOf(text)));
        return this;
    }

    private void page(SendMetrics m, QueueCensus q, List<StatusHistory.Sample> history, List<LogTail.Line> log) {
        t("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"30\">");
        t("<title>qmail-send status</title><style>");
        t("body{font-family:sans-serif;margin:1em 2em;color:#222}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.4em}");
        t("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}");
        t("td.n{text-align:right}pre{background:#f6f6f6;padding:6px;font-size:12px;overflow-x:auto}.s{color:#666}");
        t("</style></head><body>\n<h1>qmail-send status</h1>\n<p class=\"s\">");
        x(TIME.format(Instant.ofEpochSecond(q.at()))).t(" &middot; up since ").x(TIME.format(Instant.ofEpochMilli(m.startedAt)));
        t(" &middot; refreshes every 30 s &middot; <a href=\"/metrics\">/metrics</a></p>\n");

        t("<h2>Queue</h2>\n<table id=\"queue\"><tr><th>messages</th><td class=\"n\" id=\"queue-messages\">").x(q.messages());
        t("</td></tr><tr><th>not yet preprocessed (todo)</th><td class=\"n\">").x(q.todo());
        t("</td></tr><tr><th>waiting for a bounce</th><td class=\"n\">").x(q.bounces());
        for (Channel c : Channel.values()) {
            t("</td></tr><tr><th>").x(c.word).t(": messages / recipients pending</th><td class=\"n\">");
            x(q.channelMessages()[c.ordinal()]).t(" / ").x(q.pending()[c.ordinal()]);
        }
        t("</td></tr><tr><th>oldest message</th><td class=\"n\" id=\"oldest-age\">").x(duration(q.oldestAge()));
        t("</td></tr></table>\n");
        chart(history, q);

        t("<h2>Deliveries</h2>\n<table id=\"deliveries\"><tr><th>channel</th><th>success</th><th>deferral</th><th>failure</th><th>in progress / limit</th></tr>\n");
        for (Channel c : Channel.values()) {
            t("<tr><th>").x(c.word).t("</th>");
            for (SendMetrics.Result r : SendMetrics.Result.values()) {
                t("<td class=\"n\" id=\"").x(c.word + "-" + r.word).t("\">").x(m.deliveries(c, r)).t("</td>");
            }
            t("<td class=\"n\" id=\"").x(c.word + "-concurrency").t("\">").x(m.inProgress(c)).t(" / ").x(m.limit(c)).t("</td></tr>\n");
        }
        t("</table>\n<h3>Per minute (last ").x(MINUTES).t(" minutes with samples)</h3>\n");
        t("<table id=\"per-minute\"><tr><th>minute (UTC)</th><th>success</th><th>deferral</th><th>failure</th></tr>\n");
        List<StatusHistory.Minute> minutes = StatusHistory.perMinute(history);
        for (StatusHistory.Minute mn : minutes.subList(0, Math.min(MINUTES, minutes.size()))) {
            t("<tr><td>").x(HM.format(Instant.ofEpochSecond(mn.minute() * 60))).t("</td><td class=\"n\">").x(mn.success());
            t("</td><td class=\"n\">").x(mn.deferral()).t("</td><td class=\"n\">").x(mn.failure()).t("</td></tr>\n");
        }
        if (minutes.isEmpty()) t("<tr><td colspan=\"4\" class=\"s\">no full minute sampled yet</td></tr>\n");
        t("</table>\n");

        reasons("Top failure reasons", "failures", m.reasons(SendMetrics.Result.FAILURE));
        reasons("Top deferral reasons", "deferrals", m.reasons(SendMetrics.Result.DEFERRAL));

        t("<h2>Oldest messages</h2>\n<table id=\"oldest\"><tr><th>msg</th><th>age</th><th>from</th><th>recipients pending</th></tr>\n");
        for (QueueCensus.Oldest o : q.oldest()) {
            t("<tr><td>").x(o.id()).t("</td><td>").x(duration(Math.max(0, q.at() - o.birth()))).t("</td><td>&lt;").x(o.sender()).t("&gt;</td><td>");
            for (int i = 0; i < o.pending().size(); i++) {
                if (i > 0) t("<br>");
                x(o.pending().get(i));
            }
            if (o.morePending() > 0) t("<br><span class=\"s\">and ").x(o.morePending()).t(" more</span>");
            t("</td></tr>\n");
        }
        if (q.oldest().isEmpty()) t("<tr><td colspan=\"4\" class=\"s\">the queue is empty</td></tr>\n");
        t("</table>\n");

        t("<h2>Remote deliveries in progress by domain</h2>\n<table id=\"domains\"><tr><th>domain</th><th>in progress</th></tr>\n");
        List<Map.Entry<String, Integer>> domains = new ArrayList<>(m.remoteDomains.entrySet());
        domains.sort(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        for (Map.Entry<String, Integer> d : domains.subList(0, Math.min(30, domains.size()))) {
            t("<tr><td>").x(d.getKey()).t("</td><td class=\"n\">").x(d.getValue()).t("</td></tr>\n");
        }
        if (domains.isEmpty()) t("<tr><td colspan=\"2\" class=\"s\">none</td></tr>\n");
        t("</table>\n");

        t("<h2>Last ").x(LogTail.LINES).t(" log lines</h2>\n<pre id=\"log\">");
        for (LogTail.Line l : log) {
            String s = l.text().endsWith("\n") ? l.text().substring(0, l.text().length() - 1) : l.text();
            if (s.length() > MAX_LINE) s = s.substring(0, MAX_LINE) + "...";
            x(TIME.format(Instant.ofEpochMilli(l.millis())).replace(" UTC", "")).t(" ").x(s).t("\n");
        }
        t("</pre>\n</body></html>\n");
    }

    private void reasons(String title, String id, Map<String, Long> reasons) {
        t("<h2>").x(title).t("</h2>\n<table id=\"").x(id).t("\"><tr><th>count</th><th>report</th></tr>\n");
        List<Map.Entry<String, Long>> top = new ArrayList<>(reasons.entrySet());
        top.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        for (Map.Entry<String, Long> e : top.subList(0, Math.min(TOP_REASONS, top.size()))) {
            t("<tr><td class=\"n\">").x(e.getValue()).t("</td><td>").x(e.getKey()).t("</td></tr>\n");
        }
        if (top.isEmpty()) t("<tr><td colspan=\"2\" class=\"s\">none</td></tr>\n");
        t("</table>\n");
    }

    /** Queue size over the last hour: an SVG polyline, time on x, messages on y. */
    private void chart(List<StatusHistory.Sample> samples, QueueCensus q) {
        long now = q.at();
        // the census of this page is the last point, so a fresh start shows a line too
        List<StatusHistory.Sample> history = new ArrayList<>(samples);
        if (history.isEmpty() || history.getLast().at() < now) history.add(new StatusHistory.Sample(now, q.messages(), 0, 0, 0));
        int w = 720, h = 180, left = 50, bottom = 20;
        long max = 1;
        for (StatusHistory.Sample s : history) max = Math.max(max, s.messages());
        t("<h3>Queue size, last hour</h3>\n<svg id=\"queue-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").x(w + left + 10).t("\" height=\"").x(h + bottom + 10);
        t("\" role=\"img\" aria-label=\"messages in the queue over the last hour\">");
        t("<rect x=\"").x(left).t("\" y=\"5\" width=\"").x(w).t("\" height=\"").x(h).t("\" fill=\"#fafafa\" stroke=\"#ccc\"/>");
        t("<text x=\"").x(left - 4).t("\" y=\"15\" font-size=\"11\" text-anchor=\"end\">").x(max).t("</text>");
        t("<text x=\"").x(left - 4).t("\" y=\"").x(h + 5).t("\" font-size=\"11\" text-anchor=\"end\">0</text>");
        t("<text x=\"").x(left).t("\" y=\"").x(h + bottom + 5).t("\" font-size=\"11\">-60 min</text>");
        t("<text x=\"").x(left + w).t("\" y=\"").x(h + bottom + 5).t("\" font-size=\"11\" text-anchor=\"end\">now</text>");
        StringBuilder pts = new StringBuilder();
        for (StatusHistory.Sample s : history) {
            long dt = now - s.at();
            if (dt > 3600) continue;
            double px = left + w * (1 - dt / 3600.0);
            double py = 5 + h - h * (s.messages() / (double) max);
            pts.append(String.format(java.util.Locale.ROOT, "%.1f,%.1f ", px, py));
        }
        t("<polyline fill=\"none\" stroke=\"#2a6fdb\" stroke-width=\"2\" points=\"").x(pts.toString().trim()).t("\"/></svg>\n");
    }

    static String duration(long s) {
        if (s < 120) return s + " s";
        if (s < 7200) return (s / 60) + " min";
        if (s < 172800) return (s / 3600) + " h " + (s % 3600 / 60) + " min";
        return (s / 86400) + " d " + (s % 86400 / 3600) + " h";
    }
}
