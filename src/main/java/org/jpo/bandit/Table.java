package org.jpo.bandit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The numbers of an experiment, as printed on the console and written to CSV. Cells are numbers or text. */
public final class Table {
    private final List<String> columns;
    private final List<List<Object>> rows = new ArrayList<>();

    public Table(String... columns) { this.columns = List.of(columns); }

    public Table row(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + columns.size() + " columns " + columns);
        }
        rows.add(List.of(cells));
        return this;
    }

    public List<String> columns() { return columns; }

    public List<List<Object>> rows() { return List.copyOf(rows); }

    /** Comma-separated, full precision, one header line. */
    public String toCsv() {
        StringBuilder sb = new StringBuilder(String.join(",", columns)).append('\n');
        for (List<Object> row : rows) {
            List<String> cells = new ArrayList<>();
            for (Object c : row) cells.add(c instanceof Double d ? Double.toString(d) : c.toString());
            sb.append(String.join(",", cells)).append('\n');
        }
        return sb.toString();
    }

    /** Right-aligned columns; numbers to 4 decimals, or in scientific notation outside [1e-3, 1e5). */
    public String toText() {
        List<List<String>> cells = new ArrayList<>();
        cells.add(columns);
        for (List<Object> row : rows) cells.add(row.stream().map(Table::format).toList());
        int[] width = new int[columns.size()];
        for (List<String> r : cells) for (int i = 0; i < width.length; i++) width[i] = Math.max(width[i], r.get(i).length());
        StringBuilder sb = new StringBuilder();
        for (List<String> r : cells) {
            for (int i = 0; i < width.length; i++) sb.append(i == 0 ? "" : "  ").append(pad(r.get(i), width[i]));
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String format(Object cell) {
        if (!(cell instanceof Double d)) return cell.toString();
        if (d == 0 || d.isNaN() || d.isInfinite()) return d.toString();
        double a = Math.abs(d);
        return a >= 1e-3 && a < 1e5 ? String.format(Locale.ROOT, "%.4f", d) : String.format(Locale.ROOT, "%.3e", d);
    }

    private static String pad(String s, int width) { return " ".repeat(width - s.length()) + s; }
}
