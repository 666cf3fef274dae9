package org.qmailj.common.cdb;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file is not a well-formed cdb: truncated, damaged, or not a cdb at all.
 *
 * <p>It is an {@link IOException} so that callers treat it like any other failure to read
 * the database: qmail answers a temporary error in that case, never a guess.
 */
public final class CdbFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public CdbFormatException(Path file, String problem) {
        super(file + ": not a valid cdb: " + problem);
        this.file = file;
    }

    /** The file that failed to parse. */
    public Path file() {
        return file;
    }
}
