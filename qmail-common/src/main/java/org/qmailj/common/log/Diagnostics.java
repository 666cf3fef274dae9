package org.qmailj.common.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback configured in code (found through META-INF/services, so logback never looks for
 * XML: that search and Joran cost ~120 ms per process). Diagnostics that are not part of a
 * program's documented output go to stderr as {@code PROGRAM: LEVEL: message}, the shape of
 * qmail's own complaints, where multilog or splogger pick them up. The program name is the
 * launcher's {@code -Dqmail.program}; {@code -Dqmail.log.level} (default INFO) sets the level.
 * qmail's protocol and activity records (qmail-send's log, qmail-smtpd's replies) do not go
 * through here: they have exact formats of their own.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class Diagnostics extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        String program = System.getProperty("qmail.program", "qmail");
        Line layout = new Line(program);
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("stderr");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getProperty("qmail.log.level", "INFO"), Level.INFO));
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** {@code program: level: message}, then the exception's class and message if any. No pattern parser. */
    static final class Line extends LayoutBase<ILoggingEvent> {
        private final String program;

        Line(String program) { this.program = program; }

        @Override
        public String doLayout(ILoggingEvent e) {
            StringBuilder b = new StringBuilder(program).append(": ")
                    .append(e.getLevel().toString().toLowerCase(java.util.Locale.ROOT)).append(": ")
                    .append(e.getFormattedMessage());
            for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                b.append(": ").append(t.getClassName()).append(": ").append(t.getMessage());
            }
            return b.append('\n').toString();
        }
    }
}
