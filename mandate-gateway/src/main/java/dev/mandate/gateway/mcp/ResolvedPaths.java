package dev.mandate.gateway.mcp;

import dev.mandate.gateway.mcp.CallMapping.Mapped;
import dev.mandate.gateway.mcp.CallMapping.Outcome;
import dev.mandate.gateway.mcp.CallMapping.Refused;
import dev.mandate.gateway.mcp.McpConfig.FromArguments;
import dev.mandate.gateway.mcp.McpConfig.ResourceRule;
import dev.mandate.gateway.mcp.McpConfig.Upstream;
import dev.mandate.token.Request;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.text.Normalizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * The stage after mapping a filesystem tool call: decides it on the paths the upstream will touch,
 * not only on the paths it names. A symbolic link inside a granted directory (to a file or a
 * directory) would otherwise let a read or a write reach outside the grant, since a local
 * filesystem server follows links.
 *
 * <p>For a tool whose rule has a host root ({@link FromArguments#hostRoot()}), each path resource
 * is walked component by component under the host root, the way the kernel resolves it: every link
 * of the longest existing prefix is followed (a relative target from the link's directory, an
 * absolute one in the upstream's namespace, which must be at or under the rule's root); the
 * components that do not exist yet (a file or directory being created) are kept as they are. Where
 * the resolved path differs from the named one, it is added to the request as a further resource
 * (spec §5): the grants must cover the place the link leads to as well. A link that leaves the
 * root, a loop (more than {@value #MAX_LINKS} links), or a {@code ..} after a link (which an
 * upstream may resolve lexically or on disk, two different places) is refused. Reasons name
 * resources (paths relative to the root), never host paths.
 *
 * <p>What remains is a race: a link created or changed between this check and the upstream's use of
 * the path is not seen (see docs/architecture.md). Hard links cannot be told from the file they
 * name and are not resolved.
 */
final class ResolvedPaths {
  /** The most links followed for one path, as Linux's {@code ELOOP} bound. */
  static final int MAX_LINKS = 40;

  /** The most directory entries looked through for a name equal in Unicode NFC. */
  static final int MAX_ENTRIES = 100_000;

  private ResolvedPaths() {}

  /**
   * Returns {@code outcome} with the resolved paths of a filesystem tool call added as further
   * resources, a refusal if they cannot be decided on, or {@code outcome} itself when the call's
   * rule resolves no links.
   */
  static Outcome resolve(Upstream upstream, Outcome outcome) {
    if (!(outcome instanceof Mapped mapped)) {
      return outcome;
    }
    Request request = mapped.request();
    ResourceRule rule = upstream.tools().get(request.action());
    if (!(rule instanceof FromArguments from) || from.hostRoot() == null) {
      return outcome;
    }
    Path hostRoot = Path.of(from.hostRoot());
    if (!Files.isDirectory(hostRoot)) {
      return new Refused(
          "the paths of " + upstream.service() + " cannot be checked: its root is not a directory");
    }
    List<String> namespaces = new ArrayList<>();
    namespaces.add(from.root());
    if (from.root().equals(from.hostRoot()) || from.root().isEmpty()) {
      // The upstream sees the gateway's filesystem: a link may name the root by its real path.
      try {
        String real = hostRoot.toRealPath().toString();
        namespaces.add(real.equals("/") ? "" : real);
      } catch (IOException e) {
        return new Refused("the paths of " + upstream.service() + " cannot be checked");
      }
    }
    List<String> named = new ArrayList<>();
    named.add(request.resource());
    named.addAll(request.moreResources());
    List<String> added = new ArrayList<>();
    for (String resource : named) {
      String resolved;
      try {
        resolved = resolve(hostRoot, namespaces, resource);
      } catch (Unresolvable e) {
        return new Refused("the path " + CallMapping.printable(resource) + " " + e.getMessage());
      }
      if (!resolved.equals(normalised(resource)) && !named.contains(resolved)) {
        if (!added.contains(resolved)) {
          added.add(resolved);
        }
      }
    }
    if (added.isEmpty()) {
      return outcome;
    }
    List<String> more = new ArrayList<>(request.moreResources());
    more.addAll(added);
    if (more.size() > Request.MAX_MORE_RESOURCES) {
      return new Refused(
          "names more than "
              + (1 + Request.MAX_MORE_RESOURCES)
              + " resources in one call once symbolic links are resolved");
    }
    return mapped.with(
        new Request(
            request.audience(),
            request.service(),
            request.action(),
            request.resource(),
            request.args(),
            request.context(),
            more));
  }

  /**
   * The resource {@code resource} (a path relative to the root, starting with {@code /}) names once
   * links are resolved.
   *
   * @param namespaces the prefixes under which an absolute link target is inside the root ({@code
   *     ""} for the whole filesystem)
   */
  static String resolve(Path hostRoot, List<String> namespaces, String resource)
      throws Unresolvable {
    List<String> raw = components(resource);
    List<String> lexical = lexical(raw);
    String resolved = walk(hostRoot, namespaces, lexical);
    if (!lexical.equals(raw) && !resolved.equals(walk(hostRoot, namespaces, raw))) {
      // node's path.resolve removes ".." before following links, open(2) after: different files.
      throw new Unresolvable(
          "has '..' after a symbolic link, so it names two places; name the target instead");
    }
    return resolved;
  }

  private static String walk(Path hostRoot, List<String> namespaces, List<String> components)
      throws Unresolvable {
    Deque<String> todo = new ArrayDeque<>(components);
    List<String> at = new ArrayList<>();
    // The index in "at" of the first component that does not exist, or -1: below it nothing can.
    int missingFrom = -1;
    int links = 0;
    while (!todo.isEmpty()) {
      String c = todo.removeFirst();
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (at.isEmpty()) {
          throw new Unresolvable("leads out of the upstream's root");
        }
        at.remove(at.size() - 1);
        if (at.size() <= missingFrom) {
          missingFrom = -1;
        }
        continue;
      }
      if (missingFrom >= 0) {
        at.add(c);
        continue;
      }
      Path dir;
      BasicFileAttributes attributes;
      try {
        dir = hostRoot.resolve(String.join("/", at));
        attributes = attributes(dir.resolve(c));
        if (attributes == null) {
          // The filesystem server then looks for one entry equal in Unicode NFC (é written as
          // e + combining accent): follow it as the upstream would.
          String equivalent = equivalentEntry(dir, c);
          if (equivalent != null) {
            c = equivalent;
            attributes = attributes(dir.resolve(c));
          }
        }
      } catch (InvalidPathException e) {
        throw new Unresolvable("is not a valid path");
      } catch (IOException e) {
        throw new Unresolvable("cannot be checked for symbolic links");
      }
      if (attributes == null) {
        // Not there (yet): a create names it; nothing below it can be a link.
        missingFrom = at.size();
        at.add(c);
        continue;
      }
      if (!attributes.isSymbolicLink()) {
        at.add(c);
        continue;
      }
      Path candidate = dir.resolve(c);
      if (++links > MAX_LINKS) {
        throw new Unresolvable("goes through more than " + MAX_LINKS + " symbolic links");
      }
      String target;
      try {
        target = Files.readSymbolicLink(candidate).toString();
      } catch (IOException e) {
        throw new Unresolvable("cannot be checked for symbolic links");
      }
      if (target.startsWith("/")) {
        String inside = inside(target, namespaces);
        if (inside == null) {
          throw new Unresolvable("leads through a symbolic link out of the upstream's root");
        }
        at.clear();
        target = inside;
      }
      List<String> next = components(target);
      for (int i = next.size() - 1; i >= 0; i--) {
        todo.addFirst(next.get(i));
      }
    }
    return "/" + String.join("/", at);
  }

  /** The entry's attributes, not following a link; null if there is no such entry. */
  private static BasicFileAttributes attributes(Path entry) throws IOException {
    try {
      return Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException | NotDirectoryException e) {
      return null;
    }
  }

  /**
   * The one entry of {@code dir} equal to {@code name} in Unicode NFC, or null if none; refuses
   * several (the filesystem server refuses them too) and directories too large to look through.
   */
  private static String equivalentEntry(Path dir, String name) throws IOException, Unresolvable {
    String wanted = Normalizer.normalize(name, Normalizer.Form.NFC);
    String found = null;
    int seen = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        if (++seen > MAX_ENTRIES) {
          throw new Unresolvable("is in a directory too large to check for symbolic links");
        }
        String candidate = entry.getFileName().toString();
        if (Normalizer.normalize(candidate, Normalizer.Form.NFC).equals(wanted)) {
          if (found != null) {
            throw new Unresolvable("matches several entries that differ only in Unicode form");
          }
          found = candidate;
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return null;
    }
    return found;
  }

  /** The part of an absolute link target below the root, or null if it is not at or under it. */
  private static String inside(String target, List<String> namespaces) {
    for (String prefix : namespaces) {
      if (prefix.isEmpty()) {
        return target;
      }
      if (target.equals(prefix)) {
        return "";
      }
      if (target.startsWith(prefix + "/")) {
        return target.substring(prefix.length());
      }
    }
    return null;
  }

  private static List<String> components(String path) {
    List<String> out = new ArrayList<>();
    for (String c : path.split("/", -1)) {
      if (!c.isEmpty() && !c.equals(".")) {
        out.add(c);
      }
    }
    return out;
  }

  /** The components with ".." removed as text (a ".." above the root is kept, and refused). */
  private static List<String> lexical(List<String> raw) {
    List<String> out = new ArrayList<>();
    for (String c : raw) {
      if (c.equals("..") && !out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
        out.remove(out.size() - 1);
      } else {
        out.add(c);
      }
    }
    return out;
  }

  private static String normalised(String resource) {
    return "/" + String.join("/", lexical(components(resource)));
  }

  /** Why a path cannot be decided on; the message follows "the path /x". */
  static final class Unresolvable extends Exception {
    private static final long serialVersionUID = 1L;

    Unresolvable(String why) {
      super(Objects.requireNonNull(why), null, false, false);
    }
  }
}
