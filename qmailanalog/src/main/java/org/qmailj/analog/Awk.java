package org.qmailj.analog;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** The bits of awk the z* scripts lean on: field splitting, strtod and print's number format. */
final class Awk {
    private Awk() {}

    /** awk's default split: runs of blanks and tabs; $1 is [1], [0] is unused; absent fields "". */
    static String[] fields(String line, int max) {
        String[] f = new String[max + 1];
        java.util.Arrays.fill(f, "");
        int n = 1, i = 0, len = line.length();
        while (n <= max) {
            while (i < len && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) i++;
            if (i == len) break;
            int start = i;
            while (i < len && line.charAt(i) != ' ' && line.charAt(i) != '\t') i++;
            f[n++] = line.substring(start, i);
        }
        return f;
    }

    /** A field's numeric value: its longest leading decimal number, 0 if none. */
    static double num(String s) {
        int i = 0, len = s.length();
        if (i < len && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
        int digits = i;
        while (i < len && Character.isDigit(s.charAt(i))) i++;
        if (i < len && s.charAt(i) == '.') {
            i++;
            while (i < len && Character.isDigit(s.charAt(i))) i++;
        }
        if (i == digits || (i == digits + 1 && s.charAt(digits) == '.')) return 0;
        return Double.parseDouble(s.substring(0, i));
    }

    /** A number as awk's print shows it: an integral value as an integer, others as %.6g. */
    static String str(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e16) return Long.toString((long) v);
        return g6(v);
    }

    /** C's %.6g. */
    static String g6(double v) {
        if (v == 0) return "0";
        if (Double.isNaN(v) || Double.isInfinite(v)) return Double.toString(v);
        BigDecimal b = new BigDecimal(v).round(new MathContext(6, RoundingMode.HALF_EVEN));
        int exp = b.precision() - b.scale() - 1;
        if (exp < -4 || exp >= 6) {
            BigDecimal mant = b.movePointLeft(exp).stripTrailingZeros();
            String m = mant.scale() <= 0 ? mant.toBigInteger().toString() : mant.toPlainString();
            return m + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        BigDecimal s = b.stripTrailingZeros();
        return s.scale() <= 0 ? s.toBigInteger().toString() : s.toPlainString();
    }

    /** sprintf("%.Nf") as glibc rounds: the exact binary value, ties to even (Formatter rounds ties up). */
    static String fixed(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) return Double.toString(v);
        return new BigDecimal(v).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
    }
}
