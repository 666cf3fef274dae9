package org.qmailj.local;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Loads every class of qmail-local and qmail-common while the worker is still root. After
 * the drop to the user's uid the class path may be unreadable (jars under a root-only
 * directory, as in a build tree), and a class first needed in the middle of a delivery would
 * fail to load. Loading (without initializing) reads the class bytes now; what the JDK
 * itself needs comes from its runtime image, which every user can read.
 */
final class Preload {
    private Preload() {
    }

    /**
     * True when every class path entry (and each directory above it) lets uid/gid read it, so
     * classes can still be loaded after the drop and preloading is not needed.
     */
    static boolean classPathReadableBy(int uid, int gid) {
        for (String e : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (e.isEmpty()) continue;
            Path p = Path.of(e).toAbsolutePath();
            if (!permits(p, uid, gid, Files.isDirectory(p) ? 05 : 04)) return false;
            for (Path d = p.getParent(); d != null; d = d.getParent()) {
                if (!permits(d, uid, gid, 01)) return false;
            }
        }
        return true;
    }

    private static boolean permits(Path p, int uid, int gid, int bits) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            int owner = (Integer) Files.getAttribute(p, "unix:uid");
            int group = (Integer) Files.getAttribute(p, "unix:gid");
            int granted = owner == uid ? (mode >> 6) & 7 : group == gid ? (mode >> 3) & 7 : mode & 7;
            return (granted & bits) == bits;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static int classes(Class<?>... anchors) {
        int n = 0;
        ClassLoader loader = Preload.class.getClassLoader();
        for (Class<?> anchor : anchors) {
            for (String name : names(anchor)) {
                try {
                    Class.forName(name, false, loader);
                    n++;
                } catch (Throwable t) {
                    // a class needing an absent optional library: the worker never uses it
                }
            }
        }
        return n;
    }

    private static List<String> names(Class<?> anchor) {
        List<String> out = new ArrayList<>();
        CodeSource cs = anchor.getProtectionDomain().getCodeSource();
        if (cs == null) return out;
        try {
            Path p = Path.of(cs.getLocation().toURI());
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(f -> f.toString().endsWith(".class")).forEach(f -> out.add(className(p.relativize(f).toString())));
                }
            } else {
                try (JarFile jar = new JarFile(p.toFile())) {
                    for (JarEntry e : java.util.Collections.list(jar.entries())) {
                        if (e.getName().endsWith(".class") && !e.getName().contains("module-info")) {
                            out.add(className(e.getName()));
                        }
                    }
                }
            }
        } catch (IOException | URISyntaxException | IllegalArgumentException e) {
            // nothing to preload from an unknown source
        }
        return out;
    }

    private static String className(String file) {
        return file.substring(0, file.length() - ".class".length()).replace('/', '.').replace('\\', '.');
    }
}
