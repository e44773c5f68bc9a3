#!/bin/bash
# Issue 19 acceptance, end to end: one server, every step, RSS sampled throughout.
# Usage: go build -o /tmp/candor19 ./cmd/candor; mkdir /tmp/acc19; cp benchmarks/results/issue19/* /tmp/acc19/;
# OUT=/tmp/acc19 CANDOR=/tmp/candor19 /tmp/acc19/acc.sh (needs curl, redis-cli, python3; serves on 127.0.0.1:18419 and stops it).
set -u
cd ${OUT:-/tmp/acc19}
P=18419
setsid ${CANDOR:-/tmp/candor19} --addr 127.0.0.1:$P > server.log 2>&1 &
PID=$!
for i in $(seq 1 60); do curl -s -o /dev/null http://127.0.0.1:$P/readyz && break; sleep 0.5; done
sleep 2
SK=$(awk '/demo site/ {print $NF}' server.log); MK=$(awk '/demo marketer/ {print $NF}' server.log)
RPORT=$(ss -ltnp | awk -v pid="pid=$PID," '$0 ~ pid && $4 !~ /:'$P'$/ {split($4,a,":"); print a[2]}' | head -1)
( while kill -0 $PID 2>/dev/null; do awk '/VmRSS/ {print $2}' /proc/$PID/status 2>/dev/null; sleep 0.2; done ) > rss-samples.txt &
SAMPLER=$!
echo "server pid $PID, embedded Redis port $RPORT, $(uptime)"
./measure.sh $P $MK $SK $PID
echo "== 6. recommendations while 20 clients validate the issue's rules and abandon after 0.2 s"
( for k in $(seq 1 10); do for r in dos1 mem1; do curl -s -m 0.2 -o /dev/null -X POST -H "Authorization: Bearer $MK" http://127.0.0.1:$P/v1/rulesets/$r/validate & done; done; wait ) &
ABUSE=$!
./lat.sh $P $SK 200 during-abuse
wait $ABUSE
echo "== 7. latency: no ruleset / the realistic 10-rule ruleset (published) / the costly rule forced live, interleaved"
curl -s -o /dev/null -w 'PUT realistic %{http_code}\n' -X PUT -H "Authorization: Bearer $MK" --data-binary @realistic.json http://127.0.0.1:$P/v1/rulesets/default/draft
curl -s -w '  publish realistic %{http_code} %{time_total}s\n' -o /dev/null -X POST -H "Authorization: Bearer $MK" http://127.0.0.1:$P/v1/rulesets/default/publish
R="redis-cli -p $RPORT"
$R HSET 'candor:{shared}:rules:default:versions' 2 '{"name":"default","version":2,"rules":[{"id":"costly","when":"all(1..1000, {# > 0}) or item.price < context.hour","action":{"type":"boost","factor":2}}]}' >/dev/null
live() { if [ "$1" = 0 ]; then $R DEL 'candor:{shared}:rules:default:live' >/dev/null; else $R SET 'candor:{shared}:rules:default:live' $1 >/dev/null; fi; $R PUBLISH candor:events rules >/dev/null; sleep 1; }
live 0; ./lat.sh $P $SK 100 warmup > /dev/null
for round in 1 2 3; do
  live 0; ./lat.sh $P $SK 300 none-r$round
  live 1; ./lat.sh $P $SK 300 realistic10-r$round
  live 2; ./lat.sh $P $SK 300 costly1000-r$round
done
echo "== 8. the issue's live rule (1..20000) stored straight into Redis: not loaded"
$R HSET 'candor:{shared}:rules:default:versions' 3 '{"name":"default","version":3,"rules":[{"id":"costly","when":"all(1..20000, {# > 0}) or item.price < context.hour","action":{"type":"boost","factor":2}}]}' >/dev/null
live 3; grep "new ruleset refused" server.log | tail -1 | cut -c1-260
curl -s -H "Authorization: Bearer $SK" "http://127.0.0.1:$P/v1/recommendations?customer_id=c-00007&n=10" | python3 -c "import json,sys; d=json.load(sys.stdin); print('   serving ruleset version', d['ruleset_version'], 'with', len(d['items']), 'items')"
echo "== 9. metric"; curl -s http://127.0.0.1:$P/metrics | grep '^candor_rules_over_budget_total'
echo "== end"; awk '/VmHWM|VmRSS/ {printf "%s %s %s  ", $1, $2, $3}' /proc/$PID/status; echo
kill $PID; wait $PID 2>/dev/null; kill $SAMPLER 2>/dev/null
echo "max sampled VmRSS: $(sort -n rss-samples.txt | tail -1) kB over $(wc -l < rss-samples.txt) samples (every 0.2 s)"
ps -p $PID >/dev/null && echo "server still running" || echo "server stopped"
