package org.referralmonitor.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Replaces one benchmark's section of the benchmarks document, between its markers. */
final class Docs {

    private Docs() {
    }

    static void replaceSection(Path file, String name, String content) throws IOException {
        String begin = "<!-- " + name + ":begin -->";
        String end = "<!-- " + name + ":end -->";
        String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n";
        String block = begin + "\n" + content.strip() + "\n" + end;
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from >= 0 && to > from) {
            text = text.substring(0, from) + block + text.substring(to + end.length());
        } else {
            text = text.stripTrailing() + "\n\n" + block + "\n";
        }
        Files.writeString(file, text);
    }
}
