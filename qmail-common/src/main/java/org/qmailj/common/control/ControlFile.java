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
 * survives (addresses and host names are bytes in qmail). Stateless; any thread may call it.
 */
public final class ControlFile {
    private ControlFile() {}

    /** The first line of {@code file}, or empty if the file does not exist. */
    public static Optional<String> readLine(Path file) throws ControlException {
        return read(file).map(lines -> lines.isEmpty() ? "" : lines.getFirst());
    }

    /** Every non-blank, non-comment line of {@code file}, or empty if the file does not exist. */
    public static Optional<List<String>> readList(Path file) throws ControlException {
        return read(file).map(lines -> {
            List<String> kept = new ArrayList<>(lines.size());
            for (String line : lines) {
                if (!line.isEmpty() && line.charAt(0) != '#') kept.add(line);
            }
            return List.copyOf(kept);
        });
    }

    /**
     * The unsigned decimal value of {@code file}, or empty if the file does not exist.
     * An empty file, a sign, a space inside the number or any other character is an error.
     */
    public static Optional<Long> readInt(Path file) throws ControlException {
        Optional<String> line = readLine(file);
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

    /** All lines with trailing spaces and tabs removed; a last line without newline counts. */
    private static Optional<List<String>> read(Path file) throws ControlException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ControlException("unable to read " + file + ": " + reason(e), e);
        }
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
        return Optional.of(lines);
    }

    private static String reason(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : " " + m);
    }
}
