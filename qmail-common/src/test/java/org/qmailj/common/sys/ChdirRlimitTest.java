package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.qmailj.common.ErrorStr;

class ChdirRlimitTest {
    @Test
    void chdirFailuresCarryErrno() {
        assertThatThrownBy(() -> Chdir.to(Path.of("/nonexistent/dir")))
                .isInstanceOfSatisfying(SysException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
        assertThat(ErrorStr.of(Errno.ENOENT)).isEqualTo("file does not exist");
        assertThat(ErrorStr.of(Errno.ENXIO)).isEqualTo("device not configured");
        assertThat(ErrorStr.of(Errno.EAGAIN)).isEqualTo("temporary failure");
    }

    @Test
    void chdirToItsOwnDirectoryWorks() throws Exception {
        Chdir.to(Path.of(System.getProperty("user.dir")));
    }

    @Test
    void rlimitGetAndLowerTheSoftCoreLimit() throws Exception {
        Rlimit.Limit core = Rlimit.get(Rlimit.RLIMIT_CORE);
        assertThat(Long.compareUnsigned(core.soft(), core.hard())).isLessThanOrEqualTo(0);
        Rlimit.set(Rlimit.RLIMIT_CORE, new Rlimit.Limit(0, core.hard()));
        try {
            assertThat(Rlimit.get(Rlimit.RLIMIT_CORE).soft()).isZero();
        } finally {
            Rlimit.set(Rlimit.RLIMIT_CORE, core);
        }
        assertThat(Rlimit.get(Rlimit.RLIMIT_CORE)).isEqualTo(core);
    }
}
