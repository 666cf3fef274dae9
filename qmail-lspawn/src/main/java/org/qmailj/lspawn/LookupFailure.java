package org.qmailj.lspawn;

import org.qmailj.local.LocalExit;

/** A user lookup that cannot go on: the qlx code qmail-lspawn's child would exit with. */
public final class LookupFailure extends Exception {
    private final LocalExit exit;

    public LookupFailure(LocalExit exit) {
        super(exit.name(), null, false, false);
        this.exit = exit;
    }

    public LocalExit exit() {
        return exit;
    }
}
