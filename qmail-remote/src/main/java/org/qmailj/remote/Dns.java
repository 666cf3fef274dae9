package org.qmailj.remote;

import java.util.List;
import java.util.Optional;

/**
 * The DNS questions qmail-remote asks (qmail's dns.c), answered with qmail's three outcomes:
 * an answer, a temporary failure ({@link Soft}: SERVFAIL, timeout, unreachable server,
 * malformed reply) or a permanent one ({@link Hard}: NXDOMAIN, no records of the type, a name
 * that cannot be asked). Implementations are thread-safe: qmail-rspawn's deliveries share one.
 */
public interface Dns {

    /** The outcome of an address lookup. */
    sealed interface Addresses permits Found, Soft, Hard {
    }

    /**
     * Addresses in the order to try them.
     *
     * @param soft some MX host's addresses could not be looked up for now (qmail's return 1:
     *     with no addresses at all this is a temporary failure)
     */
    record Found(List<MxAddress> addresses, boolean soft) implements Addresses {
    }

    record Soft() implements Addresses {
    }

    record Hard() implements Addresses {
    }

    /** The outcome of {@link #cname}. */
    sealed interface Canonical permits Canon, CanonSoft {
    }

    /**
     * @param name the canonical name
     * @param aliases how many CNAME steps (and trailing dots) were followed; -1 for an alias loop
     */
    record Canon(String name, int aliases) implements Canonical {
    }

    /** A temporary failure during the CNAME lookup. */
    record CanonSoft() implements Canonical {
    }

    /** qmail's dns_cname: follows CNAME records (at most 10 steps) to the canonical name. */
    Canonical cname(String host);

    /** qmail's dns_ip: the A (and AAAA) addresses of {@code host}, preference 0. */
    Addresses ip(String host);

    /**
     * qmail's dns_mxip: the addresses of {@code host}'s mail exchangers by preference, equal
     * preferences in random order, or the host's own addresses when it has no MX records.
     */
    Addresses mxip(String host, long random);

    /**
     * The TXT records of {@code name}, each record's strings joined (for MTA-STS's
     * {@code _mta-sts} record); an empty list when there are none or the name does not
     * exist; empty for a temporary failure.
     */
    Optional<List<String>> txt(String name);
}
