package org.referralmonitor.app.web;

import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/** SVG polyline points for a small trend chart: no JavaScript, no external library. */
final class Sparkline {

    static final int WIDTH = 120;
    static final int HEIGHT = 28;

    private Sparkline() {
    }

    static String points(List<Integer> values) {
        if (values == null || values.size() < 2) {
            return "";
        }
        int max = Math.max(1, values.stream().mapToInt(Integer::intValue).max().orElse(1));
        double step = (WIDTH - 4) / (double) (values.size() - 1);
        StringJoiner points = new StringJoiner(" ");
        for (int i = 0; i < values.size(); i++) {
            double x = 2 + i * step;
            double y = HEIGHT - 2 - (HEIGHT - 4) * values.get(i) / (double) max;
            points.add(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
        }
        return points.toString();
    }
}
