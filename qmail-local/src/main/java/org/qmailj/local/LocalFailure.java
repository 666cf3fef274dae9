package org.qmailj.local;

/**
 * Ends a delivery with qmail-local's exit code and its one-line message (strerr_die): 111 for
 * a temporary failure, 100 for a permanent one. The text is qmail's, e.g.
 * "Sorry, no mailbox here by that name. (#5.1.1)".
 */
public final class LocalFailure extends Exception {
    private final int exit;

    public LocalFailure(int exit, String text) {
        super(text, null, false, false);
        this.exit = exit;
    }

    public static LocalFailure temp(String text) {
        return new LocalFailure(LocalExit.SOFT.code(), text);
    }

    public static LocalFailure perm(String text) {
        return new LocalFailure(LocalExit.HARD.code(), text);
    }

    public int exit() {
        return exit;
    }

    /** errno text as qmail's error_str gives it, from a Java I/O exception. */
    public static String reason(java.io.IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "access denied";
        if (e instanceof java.nio.file.NoSuchFileException) return "file does not exist";
        if (e instanceof java.nio.file.FileAlreadyExistsException) return "file already exists";
        if (e instanceof java.nio.file.NotDirectoryException) return "not a directory";
        String m = e.getMessage();
        if (m == null) return "I/O error";
        if (m.contains("No space left")) return "out of disk space";
        if (m.contains("quota")) return "disk quota exceeded";
        int colon = m.lastIndexOf(": ");
        return colon >= 0 ? m.substring(colon + 2) : m;
    }
}
