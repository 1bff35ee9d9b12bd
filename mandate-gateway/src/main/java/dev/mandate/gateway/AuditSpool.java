package dev.mandate.gateway;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable local spool of audit events waiting for upload to the authority: append-only segment
 * files of one JSON event per line, plus a cursor saying how far the authority has acknowledged.
 *
 * <p><b>Guarantee.</b> With {@link GatewayConfig.SyncMode#ALWAYS} (the default), {@link
 * #append(byte[])} returns only once the event is on disk (fsync, shared by concurrent appends:
 * group commit), so every decision the gateway acts on survives a crash of the process or the
 * machine. With {@link GatewayConfig.SyncMode#BATCHED} it returns once the event is written to the
 * operating system, which survives a killed process, and a background flush fsyncs within 50 ms.
 * Either way the uploader sends only fsynced events, and advances the cursor only after the
 * authority answered 2xx, so an event reaches the authority at least once; the batch ids are
 * deterministic (spool id, segment, offset) and the authority ignores a batch id it has seen, so it
 * is recorded exactly once.
 *
 * <p>On start the spool appends to a new segment and recovers older ones: a partial last line (a
 * crash in the middle of a write, never acknowledged) is cut off. One process at a time may use a
 * spool directory (an OS file lock).
 */
final class AuditSpool implements AutoCloseable {
  private static final boolean POSIX =
      java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final FileAttribute<?>[] PRIVATE_FILE =
      POSIX
          ? new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
          }
          : new FileAttribute<?>[0];
  private static final FileAttribute<?>[] PRIVATE_DIRECTORY =
      POSIX
          ? new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))
          }
          : new FileAttribute<?>[0];

  private static final Logger LOG = LoggerFactory.getLogger(AuditSpool.class);
  private static final Pattern SEGMENT = Pattern.compile("segment-(\\d{12})\\.log");
  private static final long BATCHED_FLUSH_MS = 50;
  private static final int POSITION_BITS = 36;

  private final Path dir;
  private final GatewayConfig.SyncMode mode;
  private final long maxBytes;
  private final long segmentBytes;
  private final String spoolId;
  private final FileChannel lockChannel;
  private final FileLock lock;

  // Writer state, guarded by 'this'.
  private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(8192);
  private FileChannel active;
  private long activeSegment;
  private long activeSize;
  private final TreeMap<Long, Long> segmentSizes = new TreeMap<>();
  private long totalBytes;
  private boolean closed;
  // Segments rotated out but not yet fsynced, oldest first, and whether a new segment's directory
  // entry still needs its fsync: the next group commit does both before the active segment, so an
  // appender never waits for a disk.
  private final List<FileChannel> retired = new ArrayList<>();
  private boolean directoryPending;

  // Durability, guarded by 'sync'.
  private final Object sync = new Object();
  private volatile long durable;
  private boolean syncing;

  // Upload progress, guarded by 'cursorLock'.
  private final Object cursorLock = new Object();
  private Cursor cursor;

  private final Thread flusher;

  /** How far the authority has acknowledged, and the batch in flight (end -1 when none). */
  record Cursor(long segment, long offset, long pendingEnd) {}

  /** Events ready for one upload: lines {@code [offset, end)} of {@code segment}. */
  record Batch(long segment, long offset, long end, List<byte[]> events, String batchId) {}

  /** The spool cannot take the event; the call must be refused. */
  static final class SpoolException extends IOException {
    private static final long serialVersionUID = 1L;

    SpoolException(String message) {
      super(message);
    }

    SpoolException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private AuditSpool(
      Path dir,
      GatewayConfig.SyncMode mode,
      long maxBytes,
      long segmentBytes,
      String spoolId,
      FileChannel lockChannel,
      FileLock lock) {
    this.dir = dir;
    this.mode = mode;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
    this.spoolId = spoolId;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.flusher = new Thread(this::flushPeriodically, "mandate-spool-flush");
    flusher.setDaemon(true);
  }

  /**
   * Opens (creating if needed) the spool in {@code config.dir()}, recovers earlier segments, and
   * starts a new segment for appends.
   *
   * @throws IOException if the directory is unusable or another process holds it
   */
  static AuditSpool open(GatewayConfig.Spool config) throws IOException {
    Path dir = config.dir();
    createPrivateDirectories(dir);
    FileChannel lockChannel =
        open(dir.resolve("spool.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      lockChannel.close();
      throw new IOException(
          "the audit spool " + dir + " is in use by another gateway; give each gateway its own");
    }
    try {
      String spoolId = spoolId(dir);
      AuditSpool spool =
          new AuditSpool(
              dir,
              config.sync(),
              config.maxBytes(),
              config.segmentBytes(),
              spoolId,
              lockChannel,
              lock);
      spool.recover();
      spool.flusher.start();
      return spool;
    } catch (IOException | RuntimeException e) {
      lock.release();
      lockChannel.close();
      throw e;
    }
  }

  private static String spoolId(Path dir) throws IOException {
    Path idFile = dir.resolve("spool.id");
    if (Files.exists(idFile)) {
      String id = Files.readString(idFile, StandardCharsets.US_ASCII).strip();
      if (id.matches("[0-9a-f]{16}")) {
        return id;
      }
      throw new IOException(idFile + " is damaged; it should hold 16 hex digits");
    }
    byte[] random = new byte[8];
    new SecureRandom().nextBytes(random);
    String id = HexFormat.of().formatHex(random);
    writeAtomically(dir, idFile, id + "\n");
    return id;
  }

  private synchronized void recover() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Matcher m = SEGMENT.matcher(p.getFileName().toString());
        if (m.matches()) {
          long segment = Long.parseLong(m.group(1));
          segmentSizes.put(segment, truncatePartialLine(p));
        }
      }
    }
    cursor = readCursor();
    // Segments wholly before the cursor were uploaded; a crash came between cursor and delete.
    while (!segmentSizes.isEmpty() && segmentSizes.firstKey() < cursor.segment()) {
      long s = segmentSizes.pollFirstEntry().getKey();
      Files.deleteIfExists(segmentPath(s));
    }
    if (!segmentSizes.isEmpty() && cursor.segment() < segmentSizes.firstKey()) {
      cursor = new Cursor(segmentSizes.firstKey(), 0, -1);
    }
    totalBytes = segmentSizes.values().stream().mapToLong(Long::longValue).sum();
    activeSegment =
        segmentSizes.isEmpty() ? Math.max(1, cursor.segment()) : segmentSizes.lastKey() + 1;
    if (segmentSizes.isEmpty()) {
      cursor = new Cursor(activeSegment, 0, -1);
    }
    openActive();
    synchronized (sync) {
      durable = position(activeSegment, 0);
    }
    if (totalBytes > 0) {
      LOG.info(
          "audit spool {}: {} bytes in {} earlier segment(s) still to upload",
          dir,
          totalBytes,
          segmentSizes.size() - 1);
    }
  }

  private static long truncatePartialLine(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long size = ch.size();
      long end = size;
      ByteBuffer one = ByteBuffer.allocate(1);
      while (end > 0) {
        one.clear();
        ch.read(one, end - 1);
        if (one.get(0) == '\n') {
          break;
        }
        end--;
      }
      if (end != size) {
        LOG.warn(
            "audit spool segment {}: dropping {} bytes of a partly written last event",
            p,
            size - end);
        ch.truncate(end);
        ch.force(true);
      }
      return end;
    }
  }

  private void openActive() throws IOException {
    active =
        open(
            segmentPath(activeSegment),
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
    activeSize = 0;
    segmentSizes.put(activeSegment, 0L);
    directoryPending = true;
  }

  /** The id that makes this spool's batch ids unique. */
  String spoolId() {
    return spoolId;
  }

  /**
   * Appends one event (a JSON object without newlines) and returns once it is as durable as the
   * sync mode promises.
   *
   * @throws SpoolException if the spool is full, closed, or the disk fails; the call must then be
   *     refused
   */
  void append(byte[] jsonLine) throws SpoolException {
    long position;
    synchronized (this) {
      if (closed) {
        throw new SpoolException("the audit spool is closed");
      }
      if (totalBytes + jsonLine.length + 1 > maxBytes) {
        throw new SpoolException(
            "the audit spool holds "
                + totalBytes
                + " bytes, its limit, because the authority has not accepted uploads; denying"
                + " calls until it does");
      }
      try {
        if (activeSize > 0 && activeSize + jsonLine.length + 1 > segmentBytes) {
          rotate();
        }
        // One direct buffer, reused under this lock: a heap buffer would be copied into a
        // temporary direct one by every write.
        ByteBuffer buf =
            jsonLine.length < writeBuffer.capacity()
                ? writeBuffer.clear()
                : ByteBuffer.allocate(jsonLine.length + 1);
        buf.put(jsonLine).put((byte) '\n').flip();
        while (buf.hasRemaining()) {
          active.write(buf);
        }
      } catch (IOException e) {
        throw new SpoolException("the audit spool cannot write to " + dir + ": " + e, e);
      }
      activeSize += jsonLine.length + 1;
      totalBytes += jsonLine.length + 1;
      segmentSizes.put(activeSegment, activeSize);
      position = position(activeSegment, activeSize);
    }
    if (mode == GatewayConfig.SyncMode.ALWAYS) {
      awaitDurable(position);
    }
  }

  /**
   * Starts a new segment. The finished one is fsynced and closed by the next group commit, before
   * that commit's position (which lies in the new segment) counts as durable; so are the new file's
   * directory entry. Neither fsync runs here, on the appending (request) thread.
   */
  private void rotate() throws IOException {
    FileChannel finished = active;
    activeSegment++;
    openActive();
    retired.add(finished);
  }

  /**
   * Group commit: the first waiter fsyncs for everyone who wrote before it started; the others wait
   * for it. 'sync' and 'this' are never held together in that order, so appenders (which take
   * 'this' only) never wait for an fsync.
   */
  private void awaitDurable(long position) throws SpoolException {
    while (true) {
      synchronized (sync) {
        while (durable < position && syncing) {
          try {
            sync.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SpoolException("interrupted while waiting for the audit spool");
          }
        }
        if (durable >= position) {
          return;
        }
        syncing = true;
      }
      long reached = -1;
      SpoolException failure = null;
      try {
        reached = forceActive();
      } catch (SpoolException e) {
        failure = e;
      }
      synchronized (sync) {
        syncing = false;
        if (reached > durable) {
          durable = reached;
        }
        sync.notifyAll();
      }
      if (failure != null) {
        throw failure;
      }
    }
  }

  /**
   * Fsyncs what was written, in order: segments rotated out (each then closed), new segments'
   * directory entries, the active segment. Returns the position that is now durable. One caller at
   * a time (the group commit's).
   */
  private long forceActive() throws SpoolException {
    FileChannel channel;
    long target;
    List<FileChannel> finished;
    boolean directory;
    synchronized (this) {
      if (closed) {
        throw new SpoolException("the audit spool is closed");
      }
      channel = active;
      target = position(activeSegment, activeSize);
      finished = List.copyOf(retired);
      directory = directoryPending;
      directoryPending = false;
    }
    try {
      for (FileChannel f : finished) {
        f.force(false);
        synchronized (this) {
          retired.remove(f);
        }
        f.close();
      }
      if (directory) {
        fsyncDirectory();
      }
      channel.force(false);
    } catch (ClosedChannelException e) {
      throw new SpoolException("the audit spool is closed", e);
    } catch (IOException e) {
      if (directory) {
        synchronized (this) {
          directoryPending = true;
        }
      }
      throw new SpoolException("the audit spool cannot fsync " + dir + ": " + e, e);
    }
    return target;
  }

  private void flushPeriodically() {
    while (true) {
      try {
        Thread.sleep(BATCHED_FLUSH_MS);
      } catch (InterruptedException e) {
        return;
      }
      long written;
      synchronized (this) {
        if (closed) {
          return;
        }
        written = position(activeSegment, activeSize);
      }
      if (written > durable) {
        try {
          awaitDurable(written);
        } catch (SpoolException e) {
          LOG.error("audit spool flush failed: {}", e.getMessage());
        }
      }
    }
  }

  // ---- reading for upload ----

  /**
   * Reads the next batch of fsynced events after the cursor: the pending batch again if one was in
   * flight, else at most {@code maxEvents} events and {@code maxBytes} bytes. Moves past (and
   * deletes) fully uploaded older segments.
   *
   * @return the batch, or null when nothing is ready
   */
  Batch nextBatch(int maxEvents, int maxBytesPerBatch) throws IOException {
    synchronized (cursorLock) {
      while (true) {
        long segment = cursor.segment();
        long limit;
        boolean older;
        synchronized (this) {
          Long size = segmentSizes.get(segment);
          older = segment < activeSegment;
          if (size == null) {
            if (!older) {
              return null;
            }
            Long next = segmentSizes.ceilingKey(segment + 1);
            cursor = new Cursor(next != null ? next : activeSegment, 0, -1);
            writeCursor(cursor);
            continue;
          }
          long durablePos = durable;
          limit = older ? size : Math.min(size, offsetIn(durablePos, segment));
        }
        if (cursor.pendingEnd() >= 0) {
          limit = cursor.pendingEnd();
          maxEvents = Integer.MAX_VALUE;
          maxBytesPerBatch = Integer.MAX_VALUE;
        }
        if (cursor.offset() >= limit) {
          if (older) {
            finishSegment(segment);
            continue;
          }
          return null;
        }
        return read(segment, cursor.offset(), limit, maxEvents, maxBytesPerBatch);
      }
    }
  }

  private Batch read(long segment, long offset, long limit, int maxEvents, int maxBatchBytes)
      throws IOException {
    int want = (int) Math.min(limit - offset, Math.max(maxBatchBytes, 1));
    ByteBuffer buf = ByteBuffer.allocate(want);
    try (FileChannel ch = FileChannel.open(segmentPath(segment), StandardOpenOption.READ)) {
      while (buf.hasRemaining()) {
        if (ch.read(buf, offset + buf.position()) < 0) {
          break;
        }
      }
    }
    byte[] bytes = buf.array();
    int filled = buf.position();
    List<byte[]> events = new java.util.ArrayList<>();
    int start = 0;
    for (int i = 0; i < filled && events.size() < maxEvents; i++) {
      if (bytes[i] == '\n') {
        events.add(java.util.Arrays.copyOfRange(bytes, start, i));
        start = i + 1;
      }
    }
    if (events.isEmpty()) {
      if (filled == limit - offset) {
        throw new IOException(
            "audit spool segment " + segment + " has an unterminated event at offset " + offset);
      }
      // One event longer than a batch: take it alone.
      return read(segment, offset, limit, 1, (int) Math.min(limit - offset, 1 << 24));
    }
    long end = offset + start;
    return new Batch(segment, offset, end, events, spoolId + ":" + segment + ":" + offset);
  }

  /** Records that {@code batch} is about to be sent, so a restart resends exactly it. */
  void markPending(Batch batch) throws IOException {
    synchronized (cursorLock) {
      if (cursor.pendingEnd() != batch.end()) {
        cursor = new Cursor(batch.segment(), batch.offset(), batch.end());
        writeCursor(cursor);
      }
    }
  }

  /** Forgets a pending batch the authority refused without recording anything. */
  void clearPending() throws IOException {
    synchronized (cursorLock) {
      cursor = new Cursor(cursor.segment(), cursor.offset(), -1);
      writeCursor(cursor);
    }
  }

  /** Advances past a batch the authority acknowledged. */
  void acknowledge(Batch batch) throws IOException {
    synchronized (cursorLock) {
      cursor = new Cursor(batch.segment(), batch.end(), -1);
      writeCursor(cursor);
    }
  }

  /** Sets aside events the authority refuses outright, so they do not block the rest. */
  void reject(Batch batch, String why) throws IOException {
    Path rejected = dir.resolve("rejected.log");
    try (FileChannel ch =
        open(
            rejected,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND)) {
      for (byte[] e : batch.events()) {
        ch.write(
            ByteBuffer.wrap(
                (new String(e, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8)));
      }
      ch.force(false);
    }
    LOG.error(
        "the authority refused {} audit event(s) ({}); kept them in {}",
        batch.events().size(),
        why,
        rejected);
    acknowledge(batch);
  }

  private void finishSegment(long segment) throws IOException {
    Long next;
    synchronized (this) {
      next = segmentSizes.ceilingKey(segment + 1);
    }
    cursor = new Cursor(next != null ? next : segment + 1, 0, -1);
    writeCursor(cursor);
    synchronized (this) {
      Long size = segmentSizes.remove(segment);
      if (size != null) {
        totalBytes -= size;
      }
    }
    Files.deleteIfExists(segmentPath(segment));
  }

  /** Bytes written but not yet acknowledged by the authority. */
  long pendingBytes() {
    long acknowledged;
    synchronized (cursorLock) {
      acknowledged = cursor.offset();
    }
    synchronized (this) {
      return Math.max(0, totalBytes - acknowledged);
    }
  }

  /** Whether every appended event was acknowledged. */
  boolean drained() {
    synchronized (cursorLock) {
      synchronized (this) {
        return cursor.segment() == activeSegment && cursor.offset() >= activeSize;
      }
    }
  }

  // ---- cursor file ----

  private Cursor readCursor() throws IOException {
    Path file = dir.resolve("cursor");
    if (!Files.exists(file)) {
      return new Cursor(segmentSizes.isEmpty() ? 1 : segmentSizes.firstKey(), 0, -1);
    }
    String[] parts = Files.readString(file, StandardCharsets.US_ASCII).strip().split(" ");
    try {
      return new Cursor(
          Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2]));
    } catch (RuntimeException e) {
      throw new IOException(file + " is damaged; expected 'segment offset pendingEnd'");
    }
  }

  private void writeCursor(Cursor c) throws IOException {
    writeAtomically(
        dir, dir.resolve("cursor"), c.segment() + " " + c.offset() + " " + c.pendingEnd() + "\n");
  }

  private static void writeAtomically(Path dir, Path file, String text) throws IOException {
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    try (FileChannel ch =
        open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
      ch.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Opens a file; one this creates is readable by the owner only (0600), since decisions name
   * clients, resources and arguments.
   */
  private static FileChannel open(Path file, StandardOpenOption... options) throws IOException {
    return FileChannel.open(file, Set.of(options), PRIVATE_FILE);
  }

  /** Creates the spool directory and missing parents; the spool directory itself gets 0700. */
  private static void createPrivateDirectories(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (dir.toAbsolutePath().getParent() != null) {
      Files.createDirectories(dir.toAbsolutePath().getParent());
    }
    Files.createDirectory(dir, PRIVATE_DIRECTORY);
  }

  private void fsyncDirectory() {
    // Makes a new segment's directory entry durable; not supported on every platform.
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      LOG.debug("cannot fsync directory {}: {}", dir, e.toString());
    }
  }

  private Path segmentPath(long segment) {
    return dir.resolve(String.format("segment-%012d.log", segment));
  }

  private static long position(long segment, long offset) {
    return (segment << POSITION_BITS) | offset;
  }

  private static long offsetIn(long position, long segment) {
    long seg = position >>> POSITION_BITS;
    if (seg > segment) {
      return Long.MAX_VALUE;
    }
    if (seg < segment) {
      return 0;
    }
    return position & ((1L << POSITION_BITS) - 1);
  }

  /** Fsyncs what was appended and stops taking events. Idempotent. */
  @Override
  public void close() {
    FileChannel channel;
    List<FileChannel> finished;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      channel = active;
      finished = List.copyOf(retired);
      retired.clear();
    }
    flusher.interrupt();
    synchronized (sync) {
      try {
        for (FileChannel f : finished) {
          f.force(false);
          f.close();
        }
        fsyncDirectory();
        channel.force(false);
      } catch (IOException e) {
        LOG.error("audit spool: final fsync failed: {}", e.toString());
      }
    }
    try {
      channel.close();
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("audit spool: close failed: {}", e.toString());
    }
    try {
      flusher.join(TimeUnit.SECONDS.toMillis(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
