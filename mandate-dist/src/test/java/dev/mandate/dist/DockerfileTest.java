package dev.mandate.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The repository's Dockerfile (for people who build with Docker; no Docker daemon runs where the
 * build is tested) makes the same container as the tested Jib image: the same user, working
 * directory, {@code HOME}, ports, volume, JVM flags, main class and default arguments, and it
 * copies the jar the CLI's build makes. Changing one without the other fails here.
 */
class DockerfileTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Map<String, List<String>> finalStage;
  private static List<String> builderRuns;
  private static Element jib;

  @BeforeAll
  static void read() throws Exception {
    List<String[]> instructions = instructions(Files.readString(Path.of("..", "Dockerfile")));
    int lastFrom = -1;
    for (int i = 0; i < instructions.size(); i++) {
      if (instructions.get(i)[0].equals("FROM")) {
        lastFrom = i;
      }
    }
    assertThat(lastFrom).as("a multi-stage Dockerfile").isPositive();
    builderRuns = new ArrayList<>();
    for (String[] in : instructions.subList(0, lastFrom)) {
      if (in[0].equals("RUN")) {
        builderRuns.add(in[1]);
      }
    }
    finalStage = new LinkedHashMap<>();
    for (String[] in : instructions.subList(lastFrom, instructions.size())) {
      finalStage.computeIfAbsent(in[0], k -> new ArrayList<>()).add(in[1]);
    }
    Document pom =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(Path.of("pom.xml").toFile());
    NodeList plugins = pom.getElementsByTagName("plugin");
    for (int i = 0; i < plugins.getLength(); i++) {
      Element p = (Element) plugins.item(i);
      if (text(p, "artifactId").equals("jib-maven-plugin")) {
        jib = (Element) p.getElementsByTagName("container").item(0);
      }
    }
    assertThat(jib).as("the jib plugin's container section in mandate-dist/pom.xml").isNotNull();
  }

  @Test
  void userWorkdirHomePortsAndVolume_areTheJibImages() {
    assertThat(single("USER")).isEqualTo(text(jib, "user"));
    assertThat(single("WORKDIR")).isEqualTo(text(jib, "workingDirectory"));
    Element env = (Element) jib.getElementsByTagName("environment").item(0);
    assertThat(finalStage.get("ENV")).contains("HOME=" + text(env, "HOME"));
    assertThat(Arrays.asList(single("EXPOSE").split("\\s+")))
        .containsExactlyElementsOf(texts(jib, "port"));
    assertThat(single("VOLUME")).isEqualTo(String.join(" ", texts(jib, "volume")));
  }

  @Test
  void entrypoint_runsTheSameMainClassWithTheSameJvmFlags_andTheSameDefaultArguments()
      throws Exception {
    List<String> docker = jsonArray(single("ENTRYPOINT"));
    List<String> jibEntrypoint =
        texts((Element) jib.getElementsByTagName("entrypoint").item(0), "arg");
    // Jib: java FLAGS -cp CLASSPATH MAIN; Docker: java FLAGS -jar JAR (whose manifest names MAIN).
    List<String> jibFlags = jibEntrypoint.subList(1, jibEntrypoint.indexOf("-cp"));
    List<String> dockerFlags = docker.subList(1, docker.indexOf("-jar"));
    assertThat(dockerFlags).isEqualTo(jibFlags).isNotEmpty();
    assertThat(docker.get(0)).isEqualTo("java");
    String jar = docker.get(docker.indexOf("-jar") + 1);
    assertThat(finalStage.get("COPY"))
        .anySatisfy(
            c ->
                assertThat(c)
                    .startsWith("--from=build /src/mandate-cli/target/mandate.jar ")
                    .endsWith(" " + jar));

    String mainClass = jibEntrypoint.get(jibEntrypoint.size() - 1);
    String cliPom = Files.readString(Path.of("..", "mandate-cli", "pom.xml"));
    assertThat(cliPom)
        .as("the shaded mandate.jar's Main-Class is the Jib entrypoint's class")
        .contains("<outputFile>${project.build.directory}/mandate.jar</outputFile>")
        .contains("<mainClass>" + mainClass + "</mainClass>");

    assertThat(jsonArray(single("CMD")))
        .containsExactlyElementsOf(
            texts((Element) jib.getElementsByTagName("args").item(0), "arg"));
  }

  @Test
  void theBuilderStage_makesTheCliJar_withoutTests_npmOrTheImage() {
    assertThat(builderRuns)
        .singleElement()
        .asString()
        .contains("mvn ")
        .contains("-pl mandate-cli -am package")
        .contains("-Dmaven.test.skip=true")
        .contains("-Dmandate.skipNpm=true")
        .contains("-Dimage.skip=true");
  }

  private static String single(String instruction) {
    List<String> values = finalStage.get(instruction);
    assertThat(values).as(instruction + " in the Dockerfile's final stage").hasSize(1);
    return values.get(0);
  }

  /** Instructions as [KEYWORD, arguments], continuation lines joined and comments dropped. */
  private static List<String[]> instructions(String dockerfile) {
    List<String[]> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : dockerfile.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      current.append(trimmed);
      String full = current.toString().strip();
      current.setLength(0);
      if (full.isEmpty()) {
        continue;
      }
      int space = full.indexOf(' ');
      out.add(new String[] {full.substring(0, space), full.substring(space + 1).strip()});
    }
    return out;
  }

  private static List<String> jsonArray(String exec) throws IOException {
    return Arrays.asList(JSON.readValue(exec, String[].class));
  }

  private static String text(Element parent, String tag) {
    NodeList found = parent.getElementsByTagName(tag);
    return found.getLength() == 0 ? "" : found.item(0).getTextContent().strip();
  }

  private static List<String> texts(Element parent, String tag) {
    List<String> out = new ArrayList<>();
    NodeList found = parent.getElementsByTagName(tag);
    for (int i = 0; i < found.getLength(); i++) {
      Node n = found.item(i);
      out.add(n.getTextContent().strip());
    }
    return out;
  }
}
