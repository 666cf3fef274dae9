package org.qmailj.remote;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import org.qmailj.common.sys.Errno;
import org.qmailj.common.sys.SysException;

/** qmail's error_str texts for the failures the admin tools report. */
final class Errors {
    private Errors() {
    }

    static String text(IOException e) {
        Throwable c = e.getCause() instanceof IOException io ? io : e;
        if (c instanceof SysException s) return errno(s.errno());
        if (c instanceof NoSuchFileException) return "file does not exist";
        if (c instanceof AccessDeniedException) return "access denied";
        if (c instanceof NotDirectoryException) return "not a directory";
        return String.valueOf(c.getMessage());
    }

    /** Why {@code dir} cannot be entered. */
    static String text(Path dir) {
        if (!Files.exists(dir)) return "file does not exist";
        if (!Files.isDirectory(dir)) return "not a directory";
        return "access denied";
    }

    static String errno(int errno) {
        if (errno == Errno.ENOENT) return "file does not exist";
        if (errno == Errno.EACCES) return "access denied";
        if (errno == Errno.EAGAIN) return "temporary failure";
        return "error " + errno;
    }
}
