# Sourced by run-demo and .ci/run: finds a JDK of version 21 or newer.
# find_jdk prints its home directory and returns 0, or returns 1 when there is none.

java_major() { # the major version of the java binary $1, or 0
  local release major
  # A JDK's release file names its version: reading it is instant, starting each JVM to ask is not.
  release="$(dirname "$(dirname "$1")")/release"
  if [ -f "$release" ]; then
    major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
    if [ -n "$major" ]; then echo "$major"; return; fi
  fi
  "$1" -XshowSettings:properties -version 2>&1 \
    | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1 | grep -E '^[0-9]+$' || echo 0
}

find_jdk() {
  local candidates=() home best="" best_major=0 major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if [ -x /usr/libexec/java_home ]; then # macOS
    home=$(/usr/libexec/java_home -v 21+ 2>/dev/null) && candidates+=("$home")
  fi
  for home in /usr/lib/jvm/* /opt/java/* /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$home" ] && candidates+=("$home")
  done
  if command -v javac >/dev/null 2>&1; then
    home=$(dirname "$(dirname "$(readlink -f "$(command -v javac)" 2>/dev/null || command -v javac)")")
    candidates+=("$home")
  fi
  for home in "${candidates[@]}"; do
    [ -x "$home/bin/javac" ] || continue
    major=$(java_major "$home/bin/java")
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best="$home"; best_major=$major; fi
  done
  [ -n "$best" ] && echo "$best"
}
