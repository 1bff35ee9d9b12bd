package dev.mandate.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * What Maven consumers get: licence, SCM and developer metadata; sources and Javadoc jars in the
 * release profile; a BOM that manages every library module at the build's version; and an SDK that
 * keeps the verifier's heavy dependencies (CEL, protobuf, ANTLR, YAML) and OpenTelemetry out of an
 * agent application (the enforcer rule in mandate-sdk fails the build if they arrive; this keeps
 * the rule and the optional declarations from being removed).
 */
class PublishingMetadataTest {
  private static final Path ROOT = Path.of("..");

  @Test
  void parentPom_carriesLicenceScmAndDevelopers_andTheReleaseProfileAttachesSourcesAndJavadoc()
      throws Exception {
    Element project = pom(ROOT.resolve("pom.xml"));
    assertThat(text(child(child(project, "licenses"), "license"), "name")).isEqualTo("Apache-2.0");
    Element scm = child(project, "scm");
    assertThat(text(scm, "connection")).startsWith("scm:git:");
    assertThat(text(scm, "url")).isNotBlank();
    assertThat(text(child(child(project, "developers"), "developer"), "name")).isNotBlank();
    assertThat(text(project, "url")).isNotBlank();

    Element release = null;
    for (Element p : children(child(project, "profiles"), "profile")) {
      if (text(p, "id").equals("release")) {
        release = p;
      }
    }
    assertThat(release).as("a release profile").isNotNull();
    List<String> goals = new ArrayList<>();
    for (Element plugin : children(child(child(release, "build"), "plugins"), "plugin")) {
      NodeList g = plugin.getElementsByTagName("goal");
      for (int i = 0; i < g.getLength(); i++) {
        goals.add(text(plugin, "artifactId") + ":" + g.item(i).getTextContent().strip());
      }
    }
    assertThat(goals).contains("maven-source-plugin:jar-no-fork", "maven-javadoc-plugin:jar");
  }

  @Test
  void bom_managesEveryLibraryModule_atTheBuildsVersion() throws Exception {
    Element bom = pom(ROOT.resolve("mandate-bom/pom.xml"));
    List<String> managed = new ArrayList<>();
    for (Element d :
        children(child(child(bom, "dependencyManagement"), "dependencies"), "dependency")) {
      assertThat(text(d, "groupId")).isEqualTo("dev.mandate");
      assertThat(text(d, "version")).isEqualTo("${project.version}");
      managed.add(text(d, "artifactId"));
    }
    List<String> modules = new ArrayList<>();
    for (Element m : children(child(pom(ROOT.resolve("pom.xml")), "modules"), "module")) {
      modules.add(m.getTextContent().strip());
    }
    assertThat(modules).containsAll(managed);
    assertThat(managed)
        .contains(
            "mandate-core",
            "mandate-sdk",
            "mandate-langchain4j",
            "mandate-server",
            "mandate-authority",
            "mandate-gateway");
  }

  @Test
  void sdk_bansTheVerifiersDependencies_andKeepsOptionalOnesOptional() throws Exception {
    Element sdk = pom(ROOT.resolve("mandate-sdk/pom.xml"));
    String banned = sdk.getElementsByTagName("bannedDependencies").item(0).getTextContent();
    for (String group : List.of("dev.cel", "com.google.protobuf", "org.antlr", "org.yaml")) {
      assertThat(banned).contains(group + ":*:*:*:compile").contains(group + ":*:*:*:runtime");
    }
    for (Element d : children(child(sdk, "dependencies"), "dependency")) {
      String id = text(d, "groupId") + ":" + text(d, "artifactId");
      if (id.equals("io.modelcontextprotocol.sdk:mcp") || id.startsWith("io.opentelemetry:")) {
        assertThat(text(d, "optional")).as(id).isEqualTo("true");
      }
    }
    Element core = pom(ROOT.resolve("mandate-core/pom.xml"));
    for (Element d : children(child(core, "dependencies"), "dependency")) {
      if (text(d, "groupId").equals("dev.cel")) {
        assertThat(text(d, "optional")).as("CEL in mandate-core").isEqualTo("true");
      }
    }
  }

  private static Element pom(Path file) throws Exception {
    Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    return d.getDocumentElement();
  }

  private static List<Element> children(Element parent, String tag) {
    List<Element> out = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(tag)) {
        out.add(e);
      }
    }
    return out;
  }

  private static Element child(Element parent, String tag) {
    List<Element> found = children(parent, tag);
    assertThat(found).as("<" + tag + "> in <" + parent.getTagName() + ">").isNotEmpty();
    return found.get(0);
  }

  private static String text(Element parent, String tag) {
    List<Element> found = children(parent, tag);
    return found.isEmpty() ? "" : found.get(0).getTextContent().strip();
  }
}
