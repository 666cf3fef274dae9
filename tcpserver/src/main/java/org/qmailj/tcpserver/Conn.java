package org.qmailj.tcpserver;

import java.util.HashMap;
import java.util.Map;

/**
 * What tcpserver knows of one connection, as tcp-environ(5) names it. Host names and
 * remote info are null when unknown.
 */
record Conn(String localIp, int localPort, String localHost, String remoteIp, int remotePort, String remoteHost,
        String remoteInfo) {

    /**
     * The program's environment: {@code base} (tcpserver's own), then PROTO and the TCP
     * variables (unknown ones removed), then the rule's variables.
     */
    Map<String, String> environment(Map<String, String> base, Map<String, String> fromRules) {
        Map<String, String> env = new HashMap<>(base);
        env.put("PROTO", "TCP");
        env.put("TCPLOCALIP", localIp);
        env.put("TCPLOCALPORT", String.valueOf(localPort));
        put(env, "TCPLOCALHOST", localHost);
        env.put("TCPREMOTEIP", remoteIp);
        env.put("TCPREMOTEPORT", String.valueOf(remotePort));
        put(env, "TCPREMOTEHOST", remoteHost);
        put(env, "TCPREMOTEINFO", remoteInfo);
        env.putAll(fromRules);
        return env;
    }

    private static void put(Map<String, String> env, String k, String v) {
        if (v == null) env.remove(k); else env.put(k, v);
    }
}
