"""A small SMTP server with STARTTLS through Python's ssl module (OpenSSL), for
qmail-remote's OpensslPeerTest: a TLS peer that is not the JDK.

usage: tls_smtp_peer.py ADDRESS CHAIN.pem KEY.pem PORTFILE LOGFILE [max-tls]

Listens on ADDRESS and a free port, written to PORTFILE (via a rename, so it appears whole).
Serves one connection at a time. LOGFILE gets one line per event: every command line,
"TLS <version> <cipher> sni=<name>" after a handshake, "MESSAGE <n> bytes" after DATA. With
max-tls "1.2", TLS 1.3 is not offered. EHLO offers PIPELINING, SIZE 1000000 and STARTTLS
(before TLS only). Stops when its standard input closes.
"""
import os
import socket
import ssl
import sys
import threading

address, chain, key, portfile, logfile = sys.argv[1:6]
max_tls = sys.argv[6] if len(sys.argv) > 6 else ""

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(chain, key)
if max_tls == "1.2":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
sni = {}


def remember_sni(sock, name, context):
    sni["name"] = name


ctx.sni_callback = remember_sni

log = open(logfile, "a", buffering=1)
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind((address, 0))
srv.listen(5)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)


def stop_on_eof():
    sys.stdin.read()
    os._exit(0)


threading.Thread(target=stop_on_eof, daemon=True).start()


def readline(conn):
    line = b""
    while not line.endswith(b"\n"):
        c = conn.recv(1)
        if not c:
            return None
        line += c
    return line.rstrip(b"\r\n").decode("latin-1")


def serve(conn):
    secure = False
    conn.sendall(b"220 peer ESMTP\r\n")
    while True:
        line = readline(conn)
        if line is None:
            return
        log.write(line + "\n")
        verb = line[:4].upper()
        if verb == "EHLO":
            offer = b"250-peer\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n"
            conn.sendall(offer + (b"250 8BITMIME\r\n" if secure else b"250-8BITMIME\r\n250 STARTTLS\r\n"))
        elif line.upper() == "STARTTLS" and not secure:
            conn.sendall(b"220 go ahead\r\n")
            sni.clear()
            try:
                conn = ctx.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError) as e:
                log.write("TLS failed %s\n" % e)
                return
            secure = True
            log.write("TLS %s %s sni=%s\n" % (conn.version(), conn.cipher()[0], sni.get("name") or "-"))
        elif verb in ("MAIL", "RCPT"):
            conn.sendall(b"250 ok\r\n")
        elif verb == "DATA":
            conn.sendall(b"354 go ahead\r\n")
            data = b""
            while not (data == b".\r\n" or data.endswith(b"\r\n.\r\n")):
                c = conn.recv(65536)
                if not c:
                    return
                data += c
            log.write("MESSAGE %d bytes\n" % len(data))
            conn.sendall(b"250 ok queued\r\n")
        elif verb == "QUIT":
            conn.sendall(b"221 bye\r\n")
            return
        else:
            conn.sendall(b"502 unimplemented\r\n")


while True:
    c, _ = srv.accept()
    try:
        serve(c)
    except OSError as e:
        log.write("ERROR %s\n" % e)
    finally:
        c.close()
