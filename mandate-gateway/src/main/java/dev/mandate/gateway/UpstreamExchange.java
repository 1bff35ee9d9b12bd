package dev.mandate.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.GZIPContentDecoder;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Relays one upstream answer to the gateway's client as it arrives, without blocking a thread:
 * status and headers (hop-by-hop ones dropped, token values and the upstream's credentials
 * redacted), then the body chunk by chunk, decompressed if the upstream compressed it and with
 * every Mandate token and every credential the gateway added to the request redacted (the redactors
 * hold back at most a token prefix or a credential less one byte, so one split across chunks is
 * still found). The next chunk is asked for only once the previous one is written to the client, so
 * a slow client slows the upstream instead of filling memory.
 *
 * <p>When the upstream's Content-Length says a chunk is the last, it is held and sent with the end
 * of the answer in one write, so a small answer leaves in one piece with a Content-Length.
 *
 * <p>If the exchange fails before anything was written to the client, the answer is reset and
 * {@code failedBeforeAnswer} chooses the error to send; afterwards the client's connection is
 * aborted, since a truncated answer must not look complete.
 */
final class UpstreamExchange implements org.eclipse.jetty.client.Response.Listener {
  /**
   * Most bytes one read of a compressed answer may expand to. Decoding is not paced by the client,
   * so without a bound a small compressed answer (a "zip bomb") would be inflated into memory: the
   * gateway refuses it instead. Ordinary JSON or text compresses far less than 256:1 per 16 KiB
   * read.
   */
  static final int MAX_DECODED_PER_READ = 4 << 20;

  /** The upstream compressed its answer in a way the gateway cannot undo to look for tokens. */
  static final class UninspectableEncoding extends IOException {
    private static final long serialVersionUID = 1L;
    private final String encoding;

    UninspectableEncoding(String encoding, String why) {
      super(why);
      this.encoding = encoding;
    }

    String encoding() {
      return encoding;
    }
  }

  private final Response response;
  private final Callback callback;
  private final Consumer<Throwable> failedBeforeAnswer;
  private final ByteArrayOutputStream redacted = new ByteArrayOutputStream(256);
  // Its output is collected per chunk anyway: a small buffer spares allocating 8 KiB per call.
  private final OutputStream redactor;
  private final SecretRedaction credentials;
  private Decoder decoder;
  private long decodedThisRead;
  private long remaining = -1;
  private byte[] held;

  /**
   * @param credentials the upstream's configured header values, redacted from the answer like
   *     tokens
   */
  UpstreamExchange(
      Response response,
      Callback callback,
      SecretRedaction credentials,
      Consumer<Throwable> failedBeforeAnswer) {
    this.response = response;
    this.callback = callback;
    this.failedBeforeAnswer = failedBeforeAnswer;
    this.credentials = credentials;
    this.redactor = credentials.redacting(TokenRedaction.redacting(redacted, 512));
  }

  @Override
  public void onHeaders(org.eclipse.jetty.client.Response upstream) {
    String encoding = upstream.getHeaders().get(HttpHeader.CONTENT_ENCODING);
    encoding = encoding == null ? "identity" : encoding.trim().toLowerCase(Locale.ROOT);
    switch (encoding) {
      case "identity", "" ->
          remaining = upstream.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
      case "gzip", "x-gzip" -> decoder = new Gunzip();
      case "deflate" -> decoder = new Inflate();
      default -> {
        upstream.abort(
            new UninspectableEncoding(encoding, "the gateway cannot inspect it for tokens"));
        return;
      }
    }
    response.setStatus(upstream.getStatus());
    for (HttpField f : upstream.getHeaders()) {
      String name = f.getLowerCaseName();
      // Content-Encoding: the body is relayed decoded.
      if (HttpProxy.HOP_BY_HOP.contains(name)
          || name.equals("content-encoding")
          || name.startsWith(":")) {
        continue;
      }
      response
          .getHeaders()
          .add(f.getName(), credentials.redact(TokenRedaction.redact(f.getValue())));
    }
  }

  @Override
  public void onContent(
      org.eclipse.jetty.client.Response upstream, Content.Chunk chunk, Runnable demander) {
    ByteBuffer bytes = chunk.getByteBuffer();
    int length = bytes.remaining();
    byte[] out;
    try {
      out = redact(bytes);
    } catch (IOException | UncheckedIOException e) {
      upstream.abort(e);
      return;
    }
    if (remaining > 0 && (remaining -= length) <= 0) {
      // The last chunk: sent together with the end of the answer.
      held = out;
      demander.run();
      return;
    }
    if (out.length == 0) {
      demander.run();
      return;
    }
    response.write(false, ByteBuffer.wrap(out), Callback.from(demander, upstream::abort));
  }

  @Override
  public void onComplete(Result result) {
    if (decoder != null) {
      decoder.close();
    }
    if (result.isFailed()) {
      Throwable failure = rootCause(result.getFailure());
      if (response.isCommitted()) {
        callback.failed(failure);
      } else {
        response.reset();
        failedBeforeAnswer.accept(failure);
      }
      return;
    }
    byte[] tail;
    try {
      redactor.close();
      tail = redacted.toByteArray();
    } catch (IOException e) {
      callback.failed(e);
      return;
    }
    if (held != null && held.length > 0) {
      byte[] joined = new byte[held.length + tail.length];
      System.arraycopy(held, 0, joined, 0, held.length);
      System.arraycopy(tail, 0, joined, held.length, tail.length);
      tail = joined;
    }
    response.write(true, ByteBuffer.wrap(tail), callback);
  }

  /** The failure the answer should describe: a timeout or refused connection under wrappers. */
  private static Throwable rootCause(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException
          || t instanceof ConnectException
          || t instanceof UninspectableEncoding) {
        return t;
      }
    }
    return failure;
  }

  /** Decodes (if needed) and redacts one chunk; returns what may be sent now. */
  private byte[] redact(ByteBuffer bytes) throws IOException {
    if (decoder != null) {
      decodedThisRead = 0;
      decoder.feed(bytes);
    } else {
      write(bytes);
    }
    redactor.flush();
    byte[] out = redacted.toByteArray();
    redacted.reset();
    return out;
  }

  private void write(ByteBuffer bytes) throws IOException {
    if (bytes.hasArray()) {
      redactor.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
      bytes.position(bytes.limit());
    } else {
      byte[] copy = new byte[bytes.remaining()];
      bytes.get(copy);
      redactor.write(copy, 0, copy.length);
    }
  }

  /**
   * Counts bytes decoded from the current read, refusing more than {@link #MAX_DECODED_PER_READ}.
   */
  private void decoded(int n, String encoding) throws UninspectableEncoding {
    decodedThisRead += n;
    if (decodedThisRead > MAX_DECODED_PER_READ) {
      throw new UninspectableEncoding(
          encoding,
          "it expands more than "
              + (MAX_DECODED_PER_READ >> 20)
              + " MiB from one read, which the gateway refuses");
    }
  }

  /** Undoes a content encoding chunk by chunk, writing to the redactor. */
  private interface Decoder {
    void feed(ByteBuffer compressed) throws IOException;

    /** Releases the native inflater. */
    void close();
  }

  private final class Gunzip extends GZIPContentDecoder implements Decoder {
    Gunzip() {
      super(8192);
    }

    @Override
    public void feed(ByteBuffer compressed) {
      decodeChunks(compressed);
    }

    @Override
    public void close() {
      destroy();
    }

    @Override
    protected boolean decodedChunk(RetainableByteBuffer chunk) {
      try {
        decoded(chunk.remaining(), "gzip");
        write(chunk.getByteBuffer());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        chunk.release();
      }
      return false;
    }
  }

  private final class Inflate implements Decoder {
    private final Inflater inflater = new Inflater();
    private final byte[] buffer = new byte[8192];

    @Override
    public void feed(ByteBuffer compressed) throws IOException {
      inflater.setInput(compressed);
      try {
        while (!inflater.finished()) {
          int n = inflater.inflate(buffer);
          if (n == 0) {
            if (inflater.needsDictionary()) {
              throw new IOException("the deflate stream needs a preset dictionary");
            }
            if (inflater.needsInput()) {
              break;
            }
          }
          decoded(n, "deflate");
          redactor.write(buffer, 0, n);
        }
      } catch (DataFormatException e) {
        throw new IOException("the deflate stream is corrupt", e);
      }
    }

    @Override
    public void close() {
      inflater.end();
    }
  }
}
