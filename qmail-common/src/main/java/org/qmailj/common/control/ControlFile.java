package org.qmailj.common.control;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads one control file with qmail-control(5)'s rules.
 *
 * <ul>
 *   <li>A single-line file ({@link #readLine}) is its first line, without the newline and
 *       without trailing spaces and tabs. No comment handling: qmail's control_readline has none.
 *   <li>A list file ({@link #readList}) is every line, trailing spaces and tabs removed,
 *       with blank lines and lines starting with {@code #} dropped.
 *   <li>An integer file ({@link #readInt}) is a single-line file holding only decimal digits.
 *       Anything else is an error naming the file, as qmail's scan_ulong check refuses it.
 * </ul>
 * A missing file is not an error: the caller applies the documented default. Any other
 * failure to read is a {@link ControlException}. Bytes are decoded as ISO-8859-1 so every byte
 * survives (addresses and host names are bytes in qmail). Any thread may call it.
 *
 * <p>Every call sees the file as it is now (qmail rereads its control files per connection,
 * so a change counts from the next one), but not every call reads it: {@link ControlCache}
 * keeps what was read and checks it with one stat. An unchanged file then gives the same
 * list instance, which callers may use to keep what they built from it.
 */
public final class ControlFile {
    private ControlFile() {}

    /** The first line of {@code file}, or empty if the file does not exist. */
    public static Optional<String> readLine(Path file) throws ControlException {
        return readLine(file, null);
    }

    static Optional<String> readLine(Path file, ControlCache.View view) throws ControlException {
        return ControlCache.SHARED.lines(file, view).map(lines -> lines.isEmpty() ? "" : lines.getFirst());
    }

    /** Every non-blank, non-comment line of {@code file}, or empty if the file does not exist. */
    public static Optional<List<String>> readList(Path file) throws ControlException {
        return readList(file, null);
    }

    static Optional<List<String>> readList(Path file, ControlCache.View view) throws ControlException {
        return ControlCache.SHARED.list(file, view);
    }

    /**
     * The unsigned decimal value of {@code file}, or empty if the file does not exist.
     * An empty file, a sign, a space inside the number or any other character is an error.
     */
    public static Optional<Long> readInt(Path file) throws ControlException {
        return readInt(file, null);
    }

    static Optional<Long> readInt(Path file, ControlCache.View view) throws ControlException {
        Optional<String> line = readLine(file, view);
        if (line.isEmpty()) return Optional.empty();
        String s = line.get();
        if (s.isEmpty()) throw new ControlException(file + ": line 1: empty, expected a number");
        long value = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new ControlException(file + ": line 1: not a number: " + s);
            }
            value = value * 10 + (c - '0');
            if (value > 0xFFFF_FFFFL * 0xFFFFL) {
                throw new ControlException(file + ": line 1: number too large: " + s);
            }
        }
        return Optional.of(value);
    }

    /**
     * Reads and splits {@code file} now (all lines, trailing spaces and tabs removed; a last
     * line without newline counts); empty when it does not exist.
     */
    static Optional<List<String>> readNow(Path file) throws ControlException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ControlException("unable to read " + file + ": " + reason(e), e);
        }
        return Optional.of(split(bytes));
    }

    private static List<String> split(byte[] bytes) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < bytes.length) {
            int nl = start;
            while (nl < bytes.length && bytes[nl] != '\n') nl++;
            int end = nl;
            while (end > start && (bytes[end - 1] == ' ' || bytes[end - 1] == '\t')) end--;
            lines.add(new String(bytes, start, end - start, StandardCharsets.ISO_8859_1));
            start = nl + 1;
        }
        return List.copyOf(lines);
    }

    static String reason(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : " " + m);
    }
}
