# Sourced by run-demo: decides whether a build output is older than what it is built from.

# newer_input OUTPUT INPUT...: prints the first INPUT file (searched recursively) newer than OUTPUT, or
# OUTPUT itself when it does not exist, and returns 0: a build is needed. Returns 1 when OUTPUT is up to date.
newer_input() {
  local output=$1 found
  shift
  if [ ! -e "$output" ]; then echo "$output"; return 0; fi
  found=$(find "$@" -type f -newer "$output" -print 2>/dev/null | head -n 1 || true)
  if [ -n "$found" ]; then echo "$found"; return 0; fi
  return 1
}
