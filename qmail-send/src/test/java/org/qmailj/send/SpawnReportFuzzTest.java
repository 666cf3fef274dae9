package org.qmailj.send;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.qmailj.common.log.QmailLog;

/**
 * qmail-send's side of a spawner's reports, on arbitrary bytes from the spawner: {@link Comm}
 * reads the hello, its reader thread turns the reports into events and ends with exactly one
 * LostSpawn, and {@link Deliveries} takes each report's slot only when a delivery is in it, so
 * a stray, repeated or out-of-range delivery number frees nothing and the count of slots in
 * use never goes wrong.
 */
class SpawnReportFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void reports(byte[] b) throws InterruptedException {
        Comm comm;
        try {
            comm = new Comm(Channel.LOCAL, new ByteArrayInputStream(b), new ByteArrayOutputStream());
        } catch (IOException noHello) {
            assertThat(b.length).isLessThan(3);
            return;
        }
        LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        comm.startReader(events);
        List<Event.Report> reports = new ArrayList<>();
        while (true) {
            Event e = events.poll(60, TimeUnit.SECONDS);
            assertThat(e).as("the reader ends with LostSpawn").isNotNull();
            if (e instanceof Event.LostSpawn lost) {
                assertThat(lost.channel()).isEqualTo(Channel.LOCAL);
                break;
            }
            reports.add((Event.Report) e);
        }
        assertThat(events).isEmpty();

        Deliveries d = new Deliveries(Channel.LOCAL, comm.max(), 10);
        assertThat(d.limit).isBetween(0, 10);
        boolean[] busy = new boolean[d.limit];
        for (int i = 0; i < d.limit; i += 2) {
            busy[d.take(new Deliveries.Delivery(i, null, null))] = true;
        }
        for (Event.Report r : reports) {
            assertThat(r.channel()).isEqualTo(Channel.LOCAL);
            assertThat(r.text()).doesNotContain("\0");
            int used = d.used();
            Deliveries.Delivery del = d.finish(r.delnum());
            boolean wasBusy = r.delnum() >= 0 && r.delnum() < busy.length && busy[r.delnum()];
            assertThat(del != null).isEqualTo(wasBusy);
            assertThat(d.used()).isEqualTo(wasBusy ? used - 1 : used);
            if (wasBusy) busy[r.delnum()] = false;
            String line = QmailLog.delivery(r.delnum(), QmailLog.Outcome.FAILURE, r.text().isEmpty() ? "" : r.text().substring(1));
            assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
        }
        assertThat(d.used()).isBetween(0, d.limit);
    }
}
