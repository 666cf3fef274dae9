package org.qmailj.common.users;

import java.util.ArrayList;
import java.util.List;
import org.qmailj.common.address.Address;

/**
 * The .qmail files qmail-local tries for an address, in its order (dot-qmail(5)):
 * {@code .qmail} + dash + ext (lower-cased, dots as colons), then, when dash is not empty,
 * the {@code -default} files from the most to the least specific. qmail-local reads the first
 * that exists; qmail-smtpd's recipient check only asks whether one does.
 */
public final class DotQmailNames {
    /**
     * One name to try: the file name after {@code .qmail}, and where in ext DEFAULT starts
     * when this file is the one found (-1: no DEFAULT).
     */
    public record Candidate(String suffix, int defaultStart) {
    }

    private DotQmailNames() {
    }

    /** safeext: lower case, dots to colons. */
    public static String safeExt(String ext) {
        return Address.lowerAscii(ext).replace('.', ':');
    }

    public static List<Candidate> candidates(String dash, String ext) {
        String safe = safeExt(ext);
        List<Candidate> out = new ArrayList<>();
        out.add(new Candidate(dash + safe, safe.endsWith("default") ? safe.length() - 7 : -1));
        if (dash.isEmpty()) return out;
        for (int i = safe.length(); i >= 0; i--) {
            if (i == 0 || safe.charAt(i - 1) == '-') out.add(new Candidate(dash + safe.substring(0, i) + "default", i));
        }
        return out;
    }
}
