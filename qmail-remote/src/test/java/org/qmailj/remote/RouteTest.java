package org.qmailj.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.qmailj.common.address.ConstMap;

/** smtproutes lookups as qmail-remote(8) describes them. */
class RouteTest {
    static Optional<Remote.Route> route(String host, String... lines) {
        RemoteControl c = new RemoteControl("me", 60, 1200, ConstMap.ofColonLines(List.of(lines)));
        return Remote.route(c, host);
    }

    @Test
    void exactDomainWithAndWithoutPort() {
        assertThat(route("inside.af.mil", "inside.af.mil:firewall.af.mil:26"))
                .contains(new Remote.Route("firewall.af.mil", 26));
        assertThat(route("INSIDE.af.mil", "inside.af.mil:firewall.af.mil")).contains(new Remote.Route("firewall.af.mil", 25));
        assertThat(route("other.af.mil", "inside.af.mil:firewall.af.mil")).isEmpty();
    }

    @Test
    void wildcardsAndDefault() {
        String[] routes = {".af.mil:", ":heaven.af.mil"};
        assertThat(route("a.af.mil", routes)).isEmpty();
        assertThat(route("x.y.af.mil", routes)).isEmpty();
        assertThat(route("af.mil", routes)).contains(new Remote.Route("heaven.af.mil", 25));
        assertThat(route("example.com", routes)).contains(new Remote.Route("heaven.af.mil", 25));
    }

    @Test
    void exactBeatsSuffixBeatsDefault() {
        String[] routes = {"a.b.c:exact", ".b.c:suffix", ".c:wider", ":default"};
        assertThat(route("a.b.c", routes)).contains(new Remote.Route("exact", 25));
        assertThat(route("z.b.c", routes)).contains(new Remote.Route("suffix", 25));
        assertThat(route("z.c", routes)).contains(new Remote.Route("wider", 25));
        assertThat(route("z.d", routes)).contains(new Remote.Route("default", 25));
    }

    @Test
    void literalsAndPorts() {
        assertThat(route("x.test", "x.test:[10.0.0.1]:2525")).contains(new Remote.Route("[10.0.0.1]", 2525));
        assertThat(route("x.test", "x.test:[::1]:2525")).contains(new Remote.Route("[::1]", 2525));
        assertThat(route("x.test", "x.test:[::1]")).contains(new Remote.Route("[::1]", 25));
        // An empty relay with a port: MX lookup as usual, on that port (this suite's extension).
        assertThat(route("x.test", "x.test::2525")).contains(new Remote.Route(null, 2525));
    }

    @Test
    void ipv6Formatting() throws Exception {
        assertThat(MxAddress.format(java.net.InetAddress.getByName("::1"))).isEqualTo("::1");
        assertThat(MxAddress.format(java.net.InetAddress.getByName("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(MxAddress.format(java.net.InetAddress.getByName("fd00::2"))).isEqualTo("fd00::2");
        assertThat(MxAddress.literal("[IPv6:::1]")).isEqualTo(java.net.InetAddress.getByName("::1"));
        assertThat(MxAddress.literal("1.2.3.4")).isEqualTo(java.net.InetAddress.getByName("1.2.3.4"));
        assertThat(MxAddress.literal("[1.2.3.4]")).isEqualTo(java.net.InetAddress.getByName("1.2.3.4"));
        assertThat(MxAddress.literal("1.2.3")).isNull();
        assertThat(MxAddress.literal("example.com")).isNull();
    }
}
