/**
 * The POSIX facade: every native call of the project, through java.lang.foreign (FFM). No
 * other package imports java.lang.foreign.
 *
 * <p>Each call is a short static method named after what qmail does with it
 * ({@link org.qmailj.common.sys.Fifo#pull}, {@link org.qmailj.common.sys.Prot#gid},
 * {@link org.qmailj.common.sys.Lock#lockExNb}) and fails with one
 * {@link org.qmailj.common.sys.SysException} carrying errno, captured by the linker
 * right after the call. Where the JDK already does the job (directory fsync, inode numbers,
 * Unix stream sockets, signals) it is used instead.
 *
 * <p>Policies that hold across the package:
 * <ul>
 * <li>Descriptors it creates are close-on-exec; {@code dup2} (in-process or as a spawn file
 *     action) is the one way to hand a descriptor on.</li>
 * <li>Children from {@link org.qmailj.common.sys.Spawn} and programs from
 *     {@link org.qmailj.common.sys.Proc#execv} start with no signal blocked (JVM threads
 *     block SIGQUIT), and spawned children get only the descriptors their actions place.</li>
 * <li>Locks are flock(2), not the JDK's fcntl locks, to interoperate with C qmail and
 *     daemontools.</li>
 * <li>A blocking native call (read on a pipe, waitpid, flock, poll) pins a virtual thread's
 *     carrier; the JDK cannot compensate for foreign calls. Make them on platform threads.</li>
 * </ul>
 *
 * <p>Targets Linux with glibc (x86_64 and other LP64 ABIs): struct layouts, flag values and
 * errno numbers are Linux's.
 */
package org.qmailj.common.sys;
