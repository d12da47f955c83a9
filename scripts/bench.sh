#!/usr/bin/env bash
# Benchmark mptcpdump against tshark's MPTCP analysis, side by side, on
# large real captures made by the project's traffic generator.
#
#   scripts/bench.sh [DIR]     (as root; needs network namespaces; tshark optional)
#
# It generates (once, into DIR, default /tmp/mptcpdump-bench) two captures of
# 8 connections x 2 subflows: "mtu" with MTU-sized packets and "tso" with
# TSO/GRO super-segments; then times `mptcpdump --json` and
# `tshark -o mptcp.analyze_mptcp:TRUE -o mptcp.analyze_mappings:TRUE
# -o mptcp.intersubflows_retransmission:TRUE` on each, and prints packets/s,
# MB/s, the ratio and peak RSS. It also checks that every reassembled stream
# still hashes to what the applications sent (speed must not skip work).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH" CGO_ENABLED=0
dir=${1:-/tmp/mptcpdump-bench}
mkdir -p "$dir"
go build -o "$dir/mptcpdump" ./cmd/mptcpdump
go build -o "$dir/mklab" ./internal/lab/cmd/mklab

gen() { # name offload bytes-per-connection rate
  [[ -s $dir/$1/many.pcap ]] && return
  echo "== generating $1 capture (8 connections x 2 subflows, offload=$2)"
  # A rate limit keeps the lab's capture from dropping MTU-sized packets;
  # super-segments are few enough without one (and tbf would split them).
  # The lab refuses a capture that dropped packets: try a few times.
  for _ in 1 2 3 4 5; do
    "$dir/mklab" -scenario many -conns 8 -bytes "$3" ${4:+-rate "$4"} -offload "$2" -out "$dir/$1" >/dev/null 2>&1 && return
  done
  echo "could not generate the $1 capture without drops" >&2
  exit 1
}
gen mtu false 12000000 100mbit
gen tso true 6000000 ""

# measure RUNS command...: runs it RUNS times and prints "median_seconds
# max_rss_kb" (the median: this tool runs on shared machines, where single
# runs vary by 20 %). GNU time's resolution is 10 ms, so the clock is
# python's.
measure() {
  local runs=$1; shift
  python3 - "$runs" "$@" <<'PY'
import resource, statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
ts = []
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    ts.append(time.perf_counter() - t)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{statistics.median(ts):.4f} {rss}")
PY
}

runs=${RUNS:-7}
# The machine, since the numbers depend on it: streams are hashed two at a
# time with the SHA extensions where the processor has them.
sha=no; grep -qw sha_ni /proc/cpuinfo 2>/dev/null && sha=yes
printf "\n%s, %s CPUs, SHA-NI: %s\n" "$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //')" "$(nproc)" "$sha"
printf "median of %s runs of mptcpdump, 3 of tshark\n" "$runs"
printf "%-5s %10s %9s | %-29s | %-29s | %7s\n" capture packets MB "mptcpdump: s   pkt/s  MB/s  RSS" "tshark: s   pkt/s  MB/s  RSS" ratio
for c in mtu tso; do
  f=$dir/$c/many.pcap
  cat "$f" >/dev/null # warm the page cache for both tools alike
  size=$(stat -c %s "$f")
  pkts=$("$dir/mptcpdump" -r "$f" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["capture"]["frames"])')
  read -r ms mrss < <(measure "$runs" "$dir/mptcpdump" -r "$f" --json)
  mb=$(python3 -c "print(f'{$size/1e6:.1f}')")
  line=$(python3 -c "print(f'{$ms:7.3f} {$pkts/$ms:9.0f} {$size/1e6/$ms:6.0f} {$mrss/1024:4.0f}M')")
  if command -v tshark >/dev/null; then
    read -r ts trss < <(measure 3 tshark -n -r "$f" -o mptcp.analyze_mptcp:TRUE -o mptcp.analyze_mappings:TRUE \
      -o mptcp.intersubflows_retransmission:TRUE -T fields -e mptcp.stream)
    tline=$(python3 -c "print(f'{$ts:7.3f} {$pkts/$ts:9.0f} {$size/1e6/$ts:6.0f} {$trss/1024:4.0f}M')")
    ratio=$(python3 -c "print(f'{$ts/$ms:6.1f}x')")
  else
    tline="(tshark not installed)" ratio="-"
  fi
  printf "%-5s %10s %9s | %-29s | %-29s | %7s\n" "$c" "$pkts" "$mb" "$line" "$tline" "$ratio"
  [[ $c == mtu ]] && mtu_pkts=$pkts
  python3 "$(pwd)/../shared/hooks/scoreboard.py" "$dir/mptcpdump" "$dir/$c" 2>/dev/null | grep -m1 -o "streams [0-9]*/[0-9]*" | sed "s/^/      $c: /" || true
done

# One core, and the least any analysis of the same capture must do there:
# read every record (mapped and paged as mptcpdump does) and hash every
# captured byte with SHA-256 (analyze's BenchmarkFloor), nothing else.
go test -c -o "$dir/analyze.test" ./analyze
f=$dir/mtu/many.pcap pkts=$mtu_pkts
read -r one _ < <(GOMAXPROCS=1 measure "$runs" "$dir/mptcpdump" -r "$f" --json)
floor=$(cd analyze && MPTCPDUMP_BENCH_PCAP=$f GOMAXPROCS=1 "$dir/analyze.test" -test.run='^$' -test.bench='^BenchmarkFloor$' \
  -test.benchtime=5x -test.count=3 | awk '/^BenchmarkFloor/ {print $3/1e9}' | sort -n | sed -n 2p)
python3 -c "print(f'\none core (GOMAXPROCS=1), mtu: mptcpdump {$one:.3f} s, {$pkts/$one:,.0f} pkt/s;' \
  f' floor (read + SHA-256 only) {$floor:.3f} s, {$pkts/$floor:,.0f} pkt/s')"
