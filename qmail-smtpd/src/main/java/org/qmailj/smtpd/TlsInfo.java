package org.qmailj.smtpd;

/** A session's TLS after the handshake: protocol ("TLSv1.3") and cipher suite, as the JDK names them. */
record TlsInfo(String protocol, String cipher) { }
