package org.qmailj.common.sys;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PasswdTest {

    @Test
    void getpwnamRoot() throws Exception {
        Passwd.PasswdEntry root = Passwd.getpwnam("root").orElseThrow();

        assertThat(root.name()).isEqualTo("root");
        assertThat(root.uid()).isZero();
        assertThat(root.gid()).isZero();
        assertThat(root.home()).isEqualTo("/root");
        assertThat(root.shell()).startsWith("/");
    }

    @Test
    void getpwnamOfAMissingUserIsEmpty() throws Exception {
        assertThat(Passwd.getpwnam("qjnosuchuser")).isEmpty();
    }

    @Test
    void getpwuidZeroIsRoot() throws Exception {
        assertThat(Passwd.getpwuid(0).orElseThrow().name()).isEqualTo("root");
        assertThat(Passwd.getpwuid(0x7ffffff0)).isEmpty();
    }

    @Test
    void bufferGrowsOnErange() throws Exception {
        // 8 bytes cannot hold root's strings: glibc says ERANGE until the buffer is big enough.
        assertThat(Passwd.getpwnam("root", 8).orElseThrow().home()).isEqualTo("/root");
        assertThat(Passwd.getgrnam("root", 8).orElseThrow().gid()).isZero();
    }

    @Test
    void getgrnamRoot() throws Exception {
        Passwd.GroupEntry root = Passwd.getgrnam("root").orElseThrow();

        assertThat(root.name()).isEqualTo("root");
        assertThat(root.gid()).isZero();
        assertThat(Passwd.getgrnam("qjnosuchgroup")).isEmpty();
    }

    @Test
    void getgrouplistStartsWithTheGivenGid() throws Exception {
        assertThat(Passwd.getgrouplist("root", 0)).startsWith(0);
        // A gid that is nobody's still comes back: it is the base group the caller names.
        assertThat(Passwd.getgrouplist("qjnosuchuser", 4242)).containsExactly(4242);
    }
}
