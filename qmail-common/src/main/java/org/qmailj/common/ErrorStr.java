package org.qmailj.common;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.qmailj.common.sys.Errno;
import org.qmailj.common.sys.SysException;

/**
 * djb's error_str: the short lowercase texts daemontools and qmail print after
 * "unable to ...: " (e.g. "file does not exist", "device not configured"), so our messages
 * read like theirs.
 */
public final class ErrorStr {
    private ErrorStr() {
    }

    public static String of(int errno) {
        return switch (errno) {
            case Errno.EINTR -> "interrupted system call";
            case Errno.ENOMEM -> "out of memory";
            case Errno.ENOENT -> "file does not exist";
            case Errno.ETXTBSY -> "text busy";
            case Errno.EIO -> "input/output error";
            case Errno.EEXIST -> "file already exists";
            case Errno.ETIMEDOUT -> "timed out";
            case 115 -> "operation in progress";
            case Errno.EAGAIN -> "temporary failure";
            case Errno.EPIPE -> "broken pipe";
            case Errno.EPERM -> "permission denied";
            case Errno.EACCES -> "access denied";
            case Errno.ENXIO -> "device not configured";
            case 71 -> "protocol error";
            case Errno.EISDIR -> "is a directory";
            case Errno.ECONNREFUSED -> "connection refused";
            case Errno.ESRCH -> "no such process";
            case Errno.E2BIG -> "argument list too long";
            case Errno.ENOEXEC -> "exec format error";
            case Errno.EBADF -> "file descriptor not open";
            case Errno.ECHILD -> "no child processes";
            case 35 -> "operation would cause deadlock";
            case 14 -> "bad address";
            case 15 -> "not a block device";
            case 16 -> "device busy";
            case 18 -> "cross-device link";
            case 19 -> "device does not support operation";
            case Errno.ENOTDIR -> "not a directory";
            case Errno.EINVAL -> "invalid argument";
            case 23 -> "system cannot open more files";
            case Errno.EMFILE -> "process cannot open more files";
            case 25 -> "not a tty";
            case 27 -> "file too big";
            case Errno.ENOSPC -> "out of disk space";
            case 29 -> "unseekable descriptor";
            case 30 -> "read-only file system";
            case 31 -> "too many links";
            case 33 -> "input out of range";
            case Errno.ERANGE -> "output out of range";
            case Errno.ENAMETOOLONG -> "file name too long";
            case 39 -> "directory not empty";
            case 40 -> "symbolic link loop";
            default -> "error " + errno;
        };
    }

    /** The text for an exception from the JDK or from {@code sys}. */
    public static String of(IOException e) {
        return switch (e) {
            case SysException s -> of(s.errno());
            case NoSuchFileException n -> of(Errno.ENOENT);
            case AccessDeniedException a -> of(Errno.EACCES);
            case FileAlreadyExistsException f -> of(Errno.EEXIST);
            case NotDirectoryException n -> of(Errno.ENOTDIR);
            default -> {
                String m = String.valueOf(e.getMessage());
                if (m.endsWith("Not a directory")) {
                    yield of(Errno.ENOTDIR);
                }
                if (m.endsWith("No space left on device")) {
                    yield of(Errno.ENOSPC);
                }
                yield m;
            }
        };
    }
}
