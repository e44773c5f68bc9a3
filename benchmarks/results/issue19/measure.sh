#!/bin/bash
# Acceptance measurements of issue 19 against a running server.
# usage: measure.sh PORT MARKETER_KEY SITE_KEY PID
set -u
P=$1; MK=$2; SK=$3; PID=$4
U=http://127.0.0.1:$P
rss() { awk '/VmHWM|VmRSS/ {printf "%s %s %s  ", $1, $2, $3}' /proc/$PID/status; echo; }
call() { # method path body -> prints status, seconds, body (clipped)
  curl -s -o ${OUT:-/tmp/acc19}/body -w '%{http_code} %{time_total}s' -X "$1" -H "Authorization: Bearer $MK" -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$U$2"
  echo "  $(head -c 400 ${OUT:-/tmp/acc19}/body)"
}
echo "== start"; rss
echo "== 1. validate the 1e6-iteration rule"
call PUT /v1/rulesets/dos1/draft '{"rules":[{"id":"dos1","when":"all(1..999999, {# > 0}) or item.price < 0","action":{"type":"filter"}}]}' >/dev/null
call POST /v1/rulesets/dos1/validate
echo "== 2. validate the memory rule (repeat of 1000 a's, 999999 times)"
A=$(printf 'a%.0s' $(seq 1000))
call PUT /v1/rulesets/mem1/draft "{\"rules\":[{\"id\":\"mem1\",\"when\":\"len(repeat(\\\"$A\\\", 999999)) > 0 or item.price < 0\",\"action\":{\"type\":\"filter\"}}]}" >/dev/null
call POST /v1/rulesets/mem1/validate
echo "== 3. two validate calls abandoned by the client after 0.2 s"
for i in 1 2; do curl -s -m 0.2 -o /dev/null -X POST -H "Authorization: Bearer $MK" $U/v1/rulesets/dos1/validate & done; wait
echo "   server CPU seconds before/after 3 s idle:"; awk '{print "   utime+stime ticks", $14+$15}' /proc/$PID/stat; sleep 3; awk '{print "   utime+stime ticks", $14+$15}' /proc/$PID/stat
rss
for n in 20000 200000 1000; do
  echo "== 4. publish the costly live rule with 1..$n as a boost to default"
  call PUT /v1/rulesets/default/draft "{\"rules\":[{\"id\":\"costly\",\"when\":\"all(1..$n, {# > 0}) or item.price < context.hour\",\"action\":{\"type\":\"boost\",\"factor\":2}}]}" >/dev/null
  call POST /v1/rulesets/default/publish
done
echo "== 5. live ruleset version now:"; call GET /v1/rulesets/default/versions
rss
