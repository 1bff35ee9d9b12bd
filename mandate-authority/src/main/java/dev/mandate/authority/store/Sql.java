package dev.mandate.authority.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The statements the per-table parts run: each call prepares one statement, binds its arguments,
 * runs it and closes it, inside the caller's connection (and so its transaction).
 *
 * <p>Arguments are bound by their type: a {@code String} as text, an {@code Integer} or {@code
 * Long} as a number, a {@code Boolean} as 1 or 0, an {@link Instant} as epoch milliseconds (the
 * schema's timestamps), an enum by its name, and {@code null} as SQL NULL of the column's type.
 */
final class Sql {
  private Sql() {}

  /** Reads one row of a result into a value. */
  @FunctionalInterface
  interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** Runs an INSERT, UPDATE or DELETE; returns the rows it changed. */
  static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    }
  }

  /** Runs {@code sql} once for each argument list in {@code rows}, as one JDBC batch. */
  static void batch(Connection c, String sql, List<Object[]> rows) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (Object[] args : rows) {
        bind(ps, args);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** The first row of the query's result, read by {@code reader}, or empty if it has none. */
  static <T> Optional<T> first(Connection c, String sql, RowReader<T> reader, Object... args)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(reader.read(rs)) : Optional.empty();
      }
    }
  }

  /** Every row of the query's result, read by {@code reader}, in the order the query gives. */
  static <T> List<T> list(Connection c, String sql, RowReader<T> reader, Object... args)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        List<T> out = new ArrayList<>();
        while (rs.next()) {
          out.add(reader.read(rs));
        }
        return out;
      }
    }
  }

  /** Whether the query returns a row. */
  static boolean exists(Connection c, String sql, Object... args) throws SQLException {
    return first(c, sql, rs -> Boolean.TRUE, args).isPresent();
  }

  /**
   * Runs {@code sql}, an update of exactly one row, which takes that row's write lock until commit;
   * fails naming {@code row} if the row is missing.
   */
  static void lockRow(Connection c, String sql, String row) throws SQLException {
    if (update(c, sql) != 1) {
      throw new StoreException(row + " is missing; the database was altered by hand");
    }
  }

  /** The first column read as text. */
  static String text(ResultSet rs) throws SQLException {
    return rs.getString(1);
  }

  /** The first column read as a number. */
  static long number(ResultSet rs) throws SQLException {
    return rs.getLong(1);
  }

  /** A nullable timestamp column, stored as epoch milliseconds. */
  static Instant instant(ResultSet rs, int index) throws SQLException {
    long v = rs.getLong(index);
    return rs.wasNull() ? null : Instant.ofEpochMilli(v);
  }

  private static void bind(PreparedStatement ps, Object[] args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      int index = i + 1;
      Object arg = args[i];
      if (arg == null) {
        ps.setNull(index, Types.NULL);
      } else if (arg instanceof String s) {
        ps.setString(index, s);
      } else if (arg instanceof Long n) {
        ps.setLong(index, n);
      } else if (arg instanceof Integer n) {
        ps.setInt(index, n);
      } else if (arg instanceof Boolean b) {
        ps.setInt(index, b ? 1 : 0);
      } else if (arg instanceof Instant t) {
        ps.setLong(index, t.toEpochMilli());
      } else if (arg instanceof Enum<?> e) {
        ps.setString(index, e.name());
      } else {
        throw new IllegalArgumentException(
            "cannot bind a " + arg.getClass().getName() + " to parameter " + index);
      }
    }
  }
}
