#!/usr/bin/env bash
# Container health check for the relay and poller images: GET http://127.0.0.1:PORT/PATH and succeed
# only on a 200 status line. The JRE base image has neither curl nor wget, so this speaks HTTP/1.1
# over bash's /dev/tcp.
#
#   healthcheck PORT PATH        e.g. healthcheck 3001 /health/ready
set -u
if [ $# -ne 2 ]; then
  echo "usage: healthcheck PORT PATH" >&2
  exit 2
fi
exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$2" >&3
IFS= read -r -t 4 status <&3 || exit 1
# Read the (short) rest of the answer so the server sees an orderly close, not a reset.
while IFS= read -r -t 1 _ <&3; do :; done
[[ $status == 'HTTP/1.'?' 200'* ]]
