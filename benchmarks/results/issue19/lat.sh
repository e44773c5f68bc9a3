#!/bin/bash
# lat.sh PORT SITE_KEY N LABEL: N sequential recommendations over the demo customers; prints p50/p90/p99 in ms and the share with a budget warning
P=$1; SK=$2; N=$3; L=$4
: > ${OUT:-/tmp/acc19}/lat-$L.txt; W=0
for i in $(seq 1 $N); do
  c=$(printf 'c-%05d' $(( (i*7) % 1200 )))
  out=$(curl -s -w '\n%{time_total}' -H "Authorization: Bearer $SK" "http://127.0.0.1:$P/v1/recommendations?customer_id=$c&n=10")
  echo "$out" | tail -1 >> ${OUT:-/tmp/acc19}/lat-$L.txt
  echo "$out" | head -1 | grep -q 'took more than their budget' && W=$((W+1))
done
sort -n ${OUT:-/tmp/acc19}/lat-$L.txt | awk -v L=$L -v W=$W '{a[NR]=$1} END {printf "%-14s n=%d p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms over-budget-warnings=%d\n", L, NR, a[int(NR*0.5)]*1000, a[int(NR*0.9)]*1000, a[int(NR*0.99)]*1000, a[NR]*1000, W}'
