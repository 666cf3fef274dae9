package org.qmailj.remote;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * MTA-STS (RFC 8461) for qmail-remote: the {@code _mta-sts.DOMAIN} TXT record through
 * {@link Dns}, the policy from {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt} through
 * the JDK's HTTP client (certificate checked against the JDK trust store, no redirects, at
 * most 64 KiB, {@code text/plain}), kept in memory for its max_age.
 *
 * <p>The TXT record is asked again when a cached policy is more than 5 minutes old; a new id
 * fetches the policy again. As the RFC says, a cached policy stays in force while it has not
 * expired, even when the TXT record is gone, cannot be looked up, or the new policy cannot be
 * fetched. Without a cached policy, any failure means "no policy". The cache holds at most
 * {@code maxEntries} domains, the least recently used going first. Thread-safe.
 *
 * <p>The policy URL is a template ({@code %s}: the domain) so that tests can point it at a
 * local server: {@code QMAIL_MTASTS_URL} (environment) or {@code -Dqmail.mtasts.url};
 * {@code QMAIL_MTASTS=0} / {@code -Dqmail.mtasts=0} turns MTA-STS off.
 */
public final class MtaSts {
    static final String URL = "https://mta-sts.%s/.well-known/mta-sts.txt";
    static final long TXT_RECHECK_SECONDS = 300;
    static final long MAX_AGE_LIMIT = 31_557_600;
    private static final int MAX_POLICY_BYTES = 64 * 1024;

    public enum Mode { ENFORCE, TESTING, NONE }

    /** A policy: its mode, its {@code mx:} patterns (lower case) and max_age in seconds. */
    public record Policy(Mode mode, List<String> mx, long maxAge) {

        /** Whether {@code host} matches an mx pattern ({@code *.example.com}: one label more). */
        public boolean matches(String host) {
            if (host == null) return false;
            String h = host.toLowerCase(Locale.ROOT);
            if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
            for (String p : mx) {
                if (p.startsWith("*.")) {
                    int dot = h.indexOf('.');
                    if (dot > 0 && h.substring(dot).equals(p.substring(1))) return true;
                } else if (h.equals(p)) {
                    return true;
                }
            }
            return false;
        }
    }

    private record Cached(String id, Policy policy, long expires, long txtCheckedAt) {
    }

    private final Dns dns;
    private final TlsClient tls;
    private final String urlTemplate;
    private final LongSupplier nowSeconds;
    private final Map<String, Cached> cache;
    private final Duration timeout;
    private volatile HttpClient http;

    public MtaSts(Dns dns, TlsClient tls, String urlTemplate, LongSupplier nowSeconds, int maxEntries, Duration timeout) {
        this.dns = dns;
        this.tls = tls;
        this.urlTemplate = urlTemplate;
        this.nowSeconds = nowSeconds;
        this.timeout = timeout;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** As the environment says (see the class comment); null when turned off. */
    public static MtaSts fromEnvironment(Dns dns, TlsClient tls) {
        if ("0".equals(setting("qmail.mtasts", "QMAIL_MTASTS"))) return null;
        String url = setting("qmail.mtasts.url", "QMAIL_MTASTS_URL");
        return new MtaSts(dns, tls, url == null ? URL : url, () -> System.currentTimeMillis() / 1000, 10_000,
                Duration.ofSeconds(20));
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isEmpty()) v = System.getenv(env);
        return v == null || v.isEmpty() ? null : v;
    }

    /** The policy in force for mail to {@code domain}, if any. */
    public Optional<Policy> policy(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        long now = nowSeconds.getAsLong();
        Cached e;
        synchronized (cache) {
            e = cache.get(d);
        }
        boolean valid = e != null && now < e.expires();
        if (valid && now - e.txtCheckedAt() < TXT_RECHECK_SECONDS) return Optional.of(e.policy());

        Optional<String> id = dns.txt("_mta-sts." + d).flatMap(MtaSts::stsId);
        if (id.isEmpty()) return valid ? Optional.of(e.policy()) : forget(d);
        if (valid && id.get().equals(e.id())) {
            remember(d, new Cached(e.id(), e.policy(), e.expires(), now));
            return Optional.of(e.policy());
        }
        Optional<Policy> fetched = fetch(d);
        if (fetched.isEmpty()) return valid ? Optional.of(e.policy()) : forget(d);
        Policy p = fetched.get();
        remember(d, new Cached(id.get(), p, now + p.maxAge(), now));
        return fetched;
    }

    private void remember(String domain, Cached e) {
        synchronized (cache) {
            cache.put(domain, e);
        }
    }

    private Optional<Policy> forget(String domain) {
        synchronized (cache) {
            cache.remove(domain);
        }
        return Optional.empty();
    }

    /** The id of the one TXT record starting {@code v=STSv1;}; none when zero or several. */
    static Optional<String> stsId(List<String> records) {
        String id = null;
        int found = 0;
        for (String r : records) {
            if (!r.startsWith("v=STSv1;") && !r.equals("v=STSv1")) continue;
            found++;
            for (String field : r.split(";")) {
                String f = field.trim();
                if (f.startsWith("id=")) id = f.substring(3).trim();
            }
        }
        if (found != 1 || id == null || !id.matches("[A-Za-z0-9]{1,32}")) return Optional.empty();
        return Optional.of(id);
    }

    private HttpClient http() throws GeneralSecurityException {
        HttpClient h = http;
        if (h == null) {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {tls.trust()}, null);
            h = HttpClient.newBuilder().sslContext(ctx).followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(timeout).build();
            http = h;
        }
        return h;
    }

    private Optional<Policy> fetch(String domain) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(String.format(urlTemplate, domain)))
                    .timeout(timeout).GET().build();
            HttpResponse<InputStream> resp = http().send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                if (resp.statusCode() != 200) return Optional.empty();
                String type = resp.headers().firstValue("content-type").orElse("").toLowerCase(Locale.ROOT);
                if (!type.startsWith("text/plain")) return Optional.empty();
                byte[] body = in.readNBytes(MAX_POLICY_BYTES + 1);
                if (body.length > MAX_POLICY_BYTES) return Optional.empty();
                return parse(new String(body, StandardCharsets.UTF_8));
            }
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The policy text (RFC 8461 section 3.2); empty when it is not a valid STSv1 policy. */
    static Optional<Policy> parse(String text) {
        String version = null;
        Mode mode = null;
        long maxAge = -1;
        List<String> mx = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "version" -> version = version == null ? value : version;
                case "mode" -> {
                    if (mode == null) {
                        mode = switch (value) {
                            case "enforce" -> Mode.ENFORCE;
                            case "testing" -> Mode.TESTING;
                            case "none" -> Mode.NONE;
                            default -> null;
                        };
                        if (mode == null) return Optional.empty();
                    }
                }
                case "max_age" -> {
                    if (maxAge < 0) {
                        if (!value.matches("[0-9]{1,10}")) return Optional.empty();
                        maxAge = Math.min(Long.parseLong(value), MAX_AGE_LIMIT);
                    }
                }
                case "mx" -> mx.add(value.toLowerCase(Locale.ROOT));
                default -> { } // extensions are ignored
            }
        }
        if (!"STSv1".equals(version) || mode == null || maxAge < 0) return Optional.empty();
        if (mode != Mode.NONE && mx.isEmpty()) return Optional.empty();
        return Optional.of(new Policy(mode, List.copyOf(mx), maxAge));
    }
}
