package org.qmailj.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The mbox From_ line's date (qmail's myctime, asctime in UTC) built by hand gives exactly
 * what the String.format it replaced gave: single-digit days padded with a space, every month
 * and weekday, midnight and the last second of a year, and 2,000 random instants up to 9999.
 */
class MyctimeTest {
    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    private static String byFormat(long s) {
        ZonedDateTime t = ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(s), ZoneOffset.UTC);
        return String.format(Locale.ROOT, "%s %s %2d %02d:%02d:%02d %d\n", DAYS[t.getDayOfWeek().getValue() - 1],
                MONTHS[t.getMonthValue() - 1], t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond(), t.getYear());
    }

    @Test
    void sameAsFormat() {
        assertThat(EnvelopeLines.myctime(0)).isEqualTo("Thu Jan  1 00:00:00 1970\n");
        assertThat(EnvelopeLines.myctime(1_796_342_399L)).isEqualTo(byFormat(1_796_342_399L)).endsWith(" 23:59:59 2026\n");
        for (int m = 0; m < 12; m++) {
            for (int d : new int[] {1, 9, 10, 28}) {
                long s = ZonedDateTime.of(2026, m + 1, d, 7, 5, 3, 0, ZoneOffset.UTC).toEpochSecond();
                assertThat(EnvelopeLines.myctime(s)).isEqualTo(byFormat(s));
            }
        }
        SplittableRandom r = new SplittableRandom(14);
        for (int i = 0; i < 2000; i++) {
            long s = r.nextLong(253_402_300_800L); // up to 9999-12-31
            assertThat(EnvelopeLines.myctime(s)).isEqualTo(byFormat(s));
        }
    }
}
