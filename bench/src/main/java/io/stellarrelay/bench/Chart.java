package io.stellarrelay.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Line charts drawn with java.awt in headless mode (no extra dependency): one image, several panels
 * stacked vertically, each with its own axes and legend.
 */
final class Chart {
    record Series(String name, double[] x, double[] y) {
        static Series of(String name, List<double[]> points) {
            double[] xs = new double[points.size()];
            double[] ys = new double[points.size()];
            for (int i = 0; i < points.size(); i++) {
                xs[i] = points.get(i)[0];
                ys[i] = points.get(i)[1];
            }
            return new Series(name, xs, ys);
        }
    }

    record Panel(String title, String xLabel, String yLabel, List<Series> series, boolean logX) {
        Panel(String title, String xLabel, String yLabel, List<Series> series) {
            this(title, xLabel, yLabel, series, false);
        }
    }

    private static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};
    private static final int WIDTH = 1100;
    private static final int PANEL_HEIGHT = 300;
    private static final int TITLE_HEIGHT = 40;
    private static final int LEFT = 90;
    private static final int RIGHT = 30;
    private static final int TOP = 34;
    private static final int BOTTOM = 46;

    private Chart() {}

    static void write(Path file, String title, List<Panel> panels) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Panel> shown = panels.stream().filter(p -> p.series().stream().anyMatch(s -> s.x().length > 0)).toList();
        int height = TITLE_HEIGHT + Math.max(1, shown.size()) * PANEL_HEIGHT;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(title, 16, 26);
            for (int i = 0; i < shown.size(); i++) {
                drawPanel(g, shown.get(i), TITLE_HEIGHT + i * PANEL_HEIGHT);
            }
            if (shown.isEmpty()) {
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
                g.drawString("no data", 16, TITLE_HEIGHT + 30);
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", file.toFile());
    }

    private static void drawPanel(Graphics2D g, Panel p, int y0) {
        int plotX = LEFT;
        int plotY = y0 + TOP;
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = PANEL_HEIGHT - TOP - BOTTOM;
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        double yMax = 0;
        double yMin = 0;
        for (Series s : p.series()) {
            for (int i = 0; i < s.x().length; i++) {
                double x = p.logX() ? Math.log10(Math.max(1e-9, s.x()[i])) : s.x()[i];
                if (Double.isFinite(x) && Double.isFinite(s.y()[i])) {
                    xMin = Math.min(xMin, x);
                    xMax = Math.max(xMax, x);
                    yMax = Math.max(yMax, s.y()[i]);
                    yMin = Math.min(yMin, s.y()[i]);
                }
            }
        }
        if (!Double.isFinite(xMin)) {
            return;
        }
        if (!p.logX() && xMin > 0 && xMin < (xMax - xMin) * 0.5) {
            xMin = 0;
        }
        if (xMax <= xMin) {
            xMax = xMin + 1;
        }
        double top = yMax <= yMin ? yMin + 1 : yMax == 100 ? 100 : yMax * 1.05;
        double[] yTicks = niceTicks(yMin, top);
        double yLo = yTicks[0];
        double yHi = yTicks[yTicks.length - 1];
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.setColor(Color.BLACK);
        g.drawString(p.title(), plotX, y0 + 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        // grid and y ticks
        for (double t : yTicks) {
            int py = plotY + plotH - (int) Math.round((t - yLo) / (yHi - yLo) * plotH);
            g.setColor(new Color(0xe6e6e6));
            g.drawLine(plotX, py, plotX + plotW, py);
            g.setColor(Color.DARK_GRAY);
            String label = fmt(t);
            g.drawString(label, plotX - 6 - fm.stringWidth(label), py + 4);
        }
        // x ticks
        double[] xTicks = p.logX() ? logTicks(xMin, xMax) : niceTicks(xMin, xMax);
        for (double t : xTicks) {
            if (t < xMin - 1e-9 || t > xMax + 1e-9) {
                continue;
            }
            int px = plotX + (int) Math.round((t - xMin) / (xMax - xMin) * plotW);
            g.setColor(new Color(0xf0f0f0));
            g.drawLine(px, plotY, px, plotY + plotH);
            g.setColor(Color.DARK_GRAY);
            String label = p.logX() ? fmt(Math.pow(10, t)) : fmt(t);
            g.drawString(label, px - fm.stringWidth(label) / 2, plotY + plotH + 16);
        }
        g.setColor(Color.GRAY);
        g.drawRect(plotX, plotY, plotW, plotH);
        g.setColor(Color.BLACK);
        g.drawString(p.xLabel(), plotX + plotW / 2 - fm.stringWidth(p.xLabel()) / 2, plotY + plotH + 34);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(p.yLabel(), -(plotY + plotH / 2 + fm.stringWidth(p.yLabel()) / 2), 18);
        rotated.dispose();
        // series
        int legendY = plotY + 14;
        for (int si = 0; si < p.series().size(); si++) {
            Series s = p.series().get(si);
            Color color = PALETTE[si % PALETTE.length];
            g.setColor(color);
            g.setStroke(new BasicStroke(2f));
            int prevX = Integer.MIN_VALUE;
            int prevY = 0;
            boolean markers = s.x().length <= 40;
            for (int i = 0; i < s.x().length; i++) {
                double xv = p.logX() ? Math.log10(Math.max(1e-9, s.x()[i])) : s.x()[i];
                if (!Double.isFinite(xv) || !Double.isFinite(s.y()[i])) {
                    prevX = Integer.MIN_VALUE;
                    continue;
                }
                int px = plotX + (int) Math.round((xv - xMin) / (xMax - xMin) * plotW);
                int py = plotY + plotH - (int) Math.round((s.y()[i] - yLo) / (yHi - yLo) * plotH);
                if (prevX != Integer.MIN_VALUE) {
                    g.drawLine(prevX, prevY, px, py);
                }
                if (markers) {
                    g.fillOval(px - 3, py - 3, 7, 7);
                }
                prevX = px;
                prevY = py;
            }
            g.setStroke(new BasicStroke(1f));
        }
        // legend last, on a white box, in the upper corner with fewer data points
        int rightCount = 0;
        int leftCount = 0;
        for (Series s : p.series()) {
            for (int i = 0; i < s.x().length; i++) {
                double xv = p.logX() ? Math.log10(Math.max(1e-9, s.x()[i])) : s.x()[i];
                double fx = (xv - xMin) / (xMax - xMin);
                double fy = (s.y()[i] - yLo) / (yHi - yLo);
                if (fy > 0.55) {
                    if (fx > 0.7) {
                        rightCount++;
                    } else if (fx < 0.3) {
                        leftCount++;
                    }
                }
            }
        }
        int lx = rightCount <= leftCount ? plotX + plotW - 250 : plotX + 12;
        int n = p.series().size();
        g.setColor(new Color(255, 255, 255, 230));
        g.fillRect(lx - 6, plotY + 3, 250, 15 * n + 6);
        g.setColor(new Color(0xcccccc));
        g.drawRect(lx - 6, plotY + 3, 250, 15 * n + 6);
        for (int si = 0; si < n; si++) {
            g.setColor(PALETTE[si % PALETTE.length]);
            g.fillRect(lx, legendY - 8, 14, 8);
            g.setColor(Color.BLACK);
            g.drawString(p.series().get(si).name(), lx + 20, legendY);
            legendY += 15;
        }
    }

    static double[] niceTicks(double lo, double hi) {
        double range = hi - lo;
        double step = Math.pow(10, Math.floor(Math.log10(range / 5)));
        double[] mult = {1, 2, 2.5, 5, 10};
        for (double m : mult) {
            if (range / (step * m) <= 6) {
                step *= m;
                break;
            }
        }
        double start = Math.floor(lo / step) * step;
        double end = Math.ceil(hi / step) * step;
        List<Double> ticks = new ArrayList<>();
        for (double t = start; t <= end + step / 2 && ticks.size() < 50; t += step) {
            ticks.add(t);
        }
        return ticks.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double[] logTicks(double lo, double hi) {
        List<Double> ticks = new ArrayList<>();
        for (double t = Math.floor(lo); t <= Math.ceil(hi) && ticks.size() < 20; t++) {
            ticks.add(t);
        }
        return ticks.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static String fmt(double v) {
        double a = Math.abs(v);
        if (a >= 1_000_000) {
            return String.format(Locale.ROOT, "%.1fM", v / 1e6);
        }
        if (a >= 10_000) {
            return String.format(Locale.ROOT, "%.0fk", v / 1e3);
        }
        if (a >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
