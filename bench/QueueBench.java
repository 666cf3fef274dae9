import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.qmailj.common.queue.Envelope;
import org.qmailj.common.queue.QueueClient;
import org.qmailj.common.queue.QueueResult;
import org.qmailj.common.queue.SocketQueueClient;

/** bench/queue.sh's in-process client: QueueBench SOCKET MESSAGES THREADS SIZE. */
public class QueueBench {
    public static void main(String[] a) throws Exception {
        Path socket = Path.of(a[0]);
        int n = Integer.parseInt(a[1]);
        int threads = Integer.parseInt(a[2]);
        byte[] body = new byte[Integer.parseInt(a[3])];
        Arrays.fill(body, (byte) 'x');
        QueueClient client = new SocketQueueClient(socket);
        for (int i = 0; i < 50; i++) one(client, body); // warm-up
        long[] lat = new long[n];
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            ts[t] = Thread.ofPlatform().start(() -> {
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    long s = System.nanoTime();
                    try {
                        if (!one(client, body).ok()) throw new IllegalStateException("not queued");
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                    lat[i] = System.nanoTime() - s;
                }
            });
        }
        for (Thread t : ts) t.join();
        double secs = (System.nanoTime() - t0) / 1e9;
        Arrays.sort(lat);
        System.out.printf("in-process client, %d writer(s): %.0f msgs/s, latency p50 %.2f ms p99 %.2f ms (%d msgs of %d bytes)%n",
                threads, n / secs, lat[n / 2] / 1e6, lat[(int) (n * 0.99)] / 1e6, n, body.length);
    }

    static QueueResult one(QueueClient client, byte[] body) throws Exception {
        try (QueueClient.Session s = client.open()) {
            s.message().write(body);
            return s.commit(new Envelope("bench@example.com", List.of("rcpt@example.com")));
        }
    }
}
