package dev.mandate.authority;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The {@link MasterKeySource} implementations. */
final class MasterKeySources {
  /** A master key's text is 50 characters; anything much larger is not one. */
  static final int MAX_KEY_TEXT_BYTES = 4096;

  private MasterKeySources() {}

  record FileSource(Path file) implements MasterKeySource {
    FileSource {
      file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
    }

    @Override
    public Optional<String> read() {
      try (InputStream in = Files.newInputStream(file)) {
        byte[] bytes = in.readNBytes(MAX_KEY_TEXT_BYTES + 1);
        if (bytes.length > MAX_KEY_TEXT_BYTES) {
          throw new AuthorityStartupException(describe() + " is too large to be a master key");
        }
        return Optional.of(new String(bytes, StandardCharsets.US_ASCII));
      } catch (NoSuchFileException e) {
        return Optional.empty();
      } catch (AccessDeniedException e) {
        throw new AuthorityStartupException(describe() + " cannot be read: permission denied");
      } catch (IOException e) {
        throw new AuthorityStartupException(describe() + " cannot be read: " + e.getMessage());
      }
    }

    @Override
    public boolean canStore() {
      return true;
    }

    /** Writes a new 0600 file (and 0700 parent directories); refuses to overwrite one. */
    @Override
    public void store(String keyText) throws IOException {
      FilePermissions.createPrivateDirectories(file.getParent());
      FilePermissions.createPrivateFile(file);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap((keyText.strip() + "\n").getBytes(StandardCharsets.US_ASCII)));
        ch.force(true);
      }
    }

    @Override
    public String describe() {
      return "the master key file " + file;
    }
  }

  record EnvironmentSource(String name, Map<String, String> environment)
      implements MasterKeySource {
    EnvironmentSource {
      Objects.requireNonNull(name, "name");
      environment = Map.copyOf(environment);
    }

    @Override
    public Optional<String> read() {
      String value = environment.get(name);
      return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }

    @Override
    public String describe() {
      return "the environment variable " + name;
    }

    @Override
    public String toString() {
      return "EnvironmentSource[" + name + "]";
    }
  }

  record CommandSource(List<String> command, Duration timeout) implements MasterKeySource {
    CommandSource {
      command = List.copyOf(command);
      if (command.isEmpty() || command.get(0).isBlank()) {
        throw new IllegalArgumentException("the master key command is empty");
      }
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("the master key command needs a positive timeout");
      }
    }

    @Override
    public Optional<String> read() {
      Process process;
      try {
        process =
            new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
      } catch (IOException e) {
        throw new AuthorityStartupException(
            describe() + " cannot be started: " + e.getMessage(), e);
      }
      try {
        process.getOutputStream().close();
        CompletableFuture<byte[]> output =
            CompletableFuture.supplyAsync(() -> readLimited(process.getInputStream()));
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          throw new AuthorityStartupException(
              describe() + " did not finish within " + timeout.toSeconds() + "s");
        }
        byte[] bytes = output.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (process.exitValue() != 0) {
          throw new AuthorityStartupException(
              describe() + " failed (exit status " + process.exitValue() + ")");
        }
        if (bytes.length > MAX_KEY_TEXT_BYTES) {
          throw new AuthorityStartupException(
              describe() + " printed more than a master key can be");
        }
        String text = new String(bytes, StandardCharsets.US_ASCII);
        return text.isBlank() ? Optional.empty() : Optional.of(text);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
        throw new AuthorityStartupException("interrupted while running " + describe());
      } catch (IOException
          | java.util.concurrent.ExecutionException
          | java.util.concurrent.TimeoutException e) {
        process.destroyForcibly();
        throw new AuthorityStartupException(describe() + " could not be read", e);
      }
    }

    private static byte[] readLimited(InputStream in) {
      try (in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
          if (out.size() <= MAX_KEY_TEXT_BYTES) {
            out.write(buffer, 0, n);
          }
        }
        return out.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String describe() {
      return "the master key command '" + String.join(" ", command) + "'";
    }
  }
}
