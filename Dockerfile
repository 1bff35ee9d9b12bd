# The Mandate image for people who build with Docker. The Maven build makes an equivalent image
# without Docker (mandate-dist, target/mandate-image.tar; docs/deploy.md), and that one is tested.
#   docker build -t mandate .
#   docker run --rm mandate --help
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# The demo's MCP servers (npm) are not needed to serve; the image is made by Docker here.
RUN mvn -B -q -Dmaven.test.skip=true -Dmandate.skipNpm=true -Dimage.skip=true \
      -pl mandate-cli -am package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 65532 nonroot \
 && useradd --system --uid 65532 --gid 65532 --home-dir /var/lib/mandate --shell /usr/sbin/nologin nonroot \
 && install -d -o 65532 -g 65532 -m 0700 /var/lib/mandate
COPY --from=build /src/mandate-cli/target/mandate.jar /opt/mandate/mandate.jar
USER 65532:65532
WORKDIR /var/lib/mandate
ENV HOME=/var/lib/mandate
EXPOSE 7700 7800
VOLUME /var/lib/mandate
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/mandate/mandate.jar"]
CMD ["--help"]
