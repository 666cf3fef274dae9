package org.qmailj.common.queue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One record of qmail's text0 files (todo/, intd/, info/, local/, remote/): a one-byte tag,
 * the value, a NUL. {@code offset} is where the tag byte stands, which DONE marking needs.
 */
public record Text0(int offset, byte tag, String value) {

    /** Splits {@code data} into records; a last record without its NUL, or an empty one, is an error naming {@code what}. */
    public static List<Text0> split(byte[] data, String what) throws IOException {
        List<Text0> records = new ArrayList<>();
        int i = 0;
        while (i < data.length) {
            int end = i;
            while (end < data.length && data[end] != 0) end++;
            if (end == data.length) throw new IOException(what + " record not terminated by NUL");
            if (end == i) throw new IOException(what + " record without its type byte at offset " + i);
            records.add(new Text0(i, data[i], new String(data, i + 1, end - i - 1, StandardCharsets.ISO_8859_1)));
            i = end + 1;
        }
        return records;
    }
}
