#!/usr/bin/env bash
# Builds the container image's runtime layer in OUT: a JRE cut by jlink from the JDK that runs the
# build, the shared libraries it (and sqlite-jdbc's native library) loads, copied from the build
# host with their Debian copyright files, a non-root user, and writable directories. The image is
# built FROM scratch on top of this layer, so no base image has to be pulled from a registry.
#
# Usage: runtime.sh JAVA_HOME OUT
set -euo pipefail

java_home=$1
out=$2

# The modules 'jdeps --print-module-deps' finds in mandate.jar, plus what libraries load by name
# at run time: EC and RSA for TLS (jdk.crypto.ec), DNS (jdk.naming.dns), JVM metrics
# (java.management, jdk.management), zip file systems (jdk.zipfs).
modules=java.base,java.compiler,java.desktop,java.logging,java.management,java.naming
modules=$modules,java.net.http,java.security.jgss,java.sql,java.xml,jdk.crypto.ec
modules=$modules,jdk.management,jdk.naming.dns,jdk.unsupported,jdk.zipfs

if [ ! -d "$java_home/jmods" ]; then
  echo "runtime.sh: $java_home has no jmods directory; build the image with a full JDK" >&2
  echo "  (Debian: apt-get install openjdk-17-jdk-headless)" >&2
  exit 1
fi

rm -rf "$out"
mkdir -p "$out/opt" "$out/etc" "$out/tmp" "$out/var/lib/mandate" "$out/usr/share/doc"
"$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$modules" \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$out/opt/java"

# Debian links the JDK's security files to /etc; the image keeps real files.
for f in "$out"/opt/java/lib/security/* "$out"/opt/java/conf/security/*; do
  if [ -L "$f" ]; then
    target=$(readlink -f "$f")
    rm "$f"
    if [ -f "$target" ]; then cp "$target" "$f"; fi
  fi
done
if [ ! -s "$out/opt/java/lib/security/cacerts" ]; then
  echo "runtime.sh: no CA certificates for the JRE (Debian: apt-get install ca-certificates-java)" >&2
  exit 1
fi

# java.desktop is there for java.beans; its window-system, sound and font libraries would pull
# X11 and more into the image and are never loaded by a headless server.
for lib in libawt_xawt libsplashscreen libjsound libjawt libfontmanager liblcms libjavajpeg; do
  rm -f "$out/opt/java/lib/$lib.so"
done

# Every shared library the JRE's binaries need; the C library's parts that sqlite-jdbc's native
# library links (libpthread, libdl, librt: it is built for older C libraries); and libgcc_s, which
# the C library loads by name for thread cancellation.
libs=$( (find "$out/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) \
  -exec ldd {} \; 2>/dev/null || true) | grep -o '/[^ ]*\.so[^ ]*' | sort -u)
extra=$(ldconfig -p | grep -oE '/[^ ]*/(libgcc_s\.so\.1|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1)$' \
  | grep -v '/lib32/\|/libx32/\|i386' | sort -u || true)
for lib in $libs $extra; do
  case "$lib" in "$out"/*) continue ;; esac
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
  pkg=$( (dpkg -S "$lib" || dpkg -S "$(readlink -f "$lib")" || dpkg -S "/usr$lib") 2>/dev/null \
    | head -1 | cut -d: -f1 || true)
  if [ -n "$pkg" ] && [ -f "/usr/share/doc/$pkg/copyright" ]; then
    mkdir -p "$out/usr/share/doc/$pkg"
    cp "/usr/share/doc/$pkg/copyright" "$out/usr/share/doc/$pkg/copyright"
  fi
done
jdk_pkg=$(dpkg -S "$java_home/bin/java" 2>/dev/null | head -1 | cut -d: -f1 || true)
if [ -n "$jdk_pkg" ] && [ -f "/usr/share/doc/$jdk_pkg/copyright" ]; then
  mkdir -p "$out/usr/share/doc/$jdk_pkg"
  cp "/usr/share/doc/$jdk_pkg/copyright" "$out/usr/share/doc/$jdk_pkg/copyright"
fi

# The user the image runs as (distroless's 'nonroot' numbers).
cat > "$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/var/lib/mandate:/sbin/nologin
PASSWD
cat > "$out/etc/group" <<'GROUP'
root:x:0:
nonroot:x:65532:
GROUP
printf 'hosts: files dns\n' > "$out/etc/nsswitch.conf"
