package org.qmailj.common.address;


/**
 * An envelope address split at its last {@code @}, as qmail splits it: the local part may
 * itself contain {@code @} (a quoted or percent-hacked address), the domain never does.
 * An address without {@code @} has an empty domain and {@link #hasDomain()} false.
 *
 * <p>Case rules (qmail-send(8), addresses(5)): domains compare case-insensitively; the local
 * part is left exactly as given, since only the receiving host may interpret it.
 * qmail-local later folds it to lower case for .qmail lookups.
 */
public record Address(String local, String domain, boolean hasDomain) {

    public static Address parse(String address) {
        int at = address.lastIndexOf('@');
        if (at < 0) return new Address(address, "", false);
        return new Address(address.substring(0, at), address.substring(at + 1), true);
    }

    /** The domain lower-cased with ASCII rules only (no locale surprises, bytes above 127 kept). */
    public String domainKey() {
        return lowerAscii(domain);
    }

    /** The address with {@code @noathost} appended when it has no {@code @}, as qmail-send does with envnoathost. */
    public Address withDefaultDomain(String noathost) {
        return hasDomain ? this : new Address(local, noathost, true);
    }

    @Override
    public String toString() {
        return hasDomain ? local + "@" + domain : local;
    }

    public static String lowerAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') return lower(s);
        }
        return s;
    }

    private static String lower(String s) {
        char[] cs = s.toCharArray();
        for (int i = 0; i < cs.length; i++) {
            if (cs[i] >= 'A' && cs[i] <= 'Z') cs[i] = (char) (cs[i] + 32);
        }
        return new String(cs);
    }

}
