package dev.mandate.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs a class's {@code main} in a new JVM on this JVM's class path. */
final class JavaCommand {
  private JavaCommand() {}

  /** {@code java JVM-ARGS -cp CLASSPATH MAIN ARGS}, with this JVM's {@code java}. */
  static List<String> of(List<String> jvmArgs, Class<?> main, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    return command;
  }
}
