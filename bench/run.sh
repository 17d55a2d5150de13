#!/usr/bin/env bash
# puzi benchmarks: each figure is a ratio against a reference measured in the same run on
# the same machine. Results print as a table; BENCHMARKS.md records a run.
#
#   storefront  puzi's home and product pages vs nginx serving the same bytes as files,
#               wrk keep-alive, plain HTTP and TLS (same ECDSA certificate), both servers
#               pinned to core 0 and wrk to core 1; interleaved: ROUNDS (5) rounds of
#               RDUR-second (3) runs, puzi and nginx alternating which goes first, reporting
#               the median ratio and its spread (min–max) per page and mode.
#               PUZI_BIN=… measures another build (e.g. the one before a change).
#   search      2,000 generated products with Chinese names imported by catalog CSV
#               (SEARCH_PRODUCTS to change): in-process query time and GET /search?q=….
#   checkout    orders placed and prepaid per second (in-process sandbox) vs the limit
#               `openssl speed rsa2048` sets: 3 RSA signatures per checkout, 2 cores.
#   notify      notifications verified, decrypted and durably applied per second vs
#               redb's raw durable commit rate on the same disk.
#   footprint   binary size, resident memory idle and under load, start-up to first page.
#   abuse       one shopper's purchase, step by step, quiet vs while 500 slow connections,
#               an anonymous flood and 20 concurrent wrong logins hit the shop and WeChat's
#               notifications arrive; nothing acknowledged lost; data file size.
#
#   bench/run.sh [all|storefront|search|checkout|footprint|abuse]    (default all)
#
# Needs: nginx, wrk, openssl, taskset (apt: nginx-light wrk openssl util-linux); abuse needs
# only python3 and taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
W=$(mktemp -d /tmp/puzi-bench.XXXX)
trap 'kill $(jobs -p) $(cat "$W/pids" 2>/dev/null) 2>/dev/null || true; rm -rf "$W"' EXIT
DUR=${DUR:-10}
MODE=${1:-all}
want() { [[ $MODE == all || $MODE == "$1" ]]; }

[[ -n ${SKIP_BUILD:-} ]] || cargo build --release --locked -q
[[ -n ${SKIP_BUILD:-} ]] || (cd bench && cargo build --release -q)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${PUZI_BIN:-$TARGET/release/puzi}
DRV=${CARGO_TARGET_DIR:-$ROOT/bench/target}/release/puzi-bench

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wrk_rps() { taskset -c 1 wrk -t1 -c64 -d"${DUR}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
# Starts puzi pinned to core 0 and returns once its first stdout line says it listens.
start_puzi() { # name, args… → pid
  local name=$1; shift
  mkfifo "$W/fifo.$name"
  taskset -c "${PIN:-0}" "$BIN" "$@" > "$W/fifo.$name" 2>/dev/null &
  local pid=$!
  echo $pid >> "$W/pids"
  exec {fd}<"$W/fifo.$name"; read -r _ <&"$fd"
  echo $pid
}
start_shop() { start_puzi "$2" serve --config "$1"; }
# A demo data dir with stock for every order the drivers place: seed, then raise stock by CSV.
stocked_shop() { # dir
  local s; s=$(start_puzi "seed-$(basename "$1")" demo --data "$1" --listen 127.0.0.1:0); kill "$s"; tail --pid="$s" -f /dev/null
  printf '[server]\nlisten = "127.0.0.1:0"\n[storage]\ndata_dir = "%s"\n' "$1" > "$1.toml"
  "$BIN" catalog export --config "$1.toml" --out "$1.csv"
  python3 - "$1.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
i = rows[0].index("stock")
for r in rows[1:]:
    r[i] = "1000000"
csv.writer(open(sys.argv[1], "w", encoding="utf-8", newline="")).writerows(rows)
PY
  "$BIN" catalog import --config "$1.toml" "$1.csv" > /dev/null
}

# --- storefront --------------------------------------------------------------------
if want storefront; then
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$W/ec.key" -out "$W/ec.crt" \
  -days 30 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
P_HTTP=$(free_port); P_TLS=$(free_port); N_HTTP=$(free_port); N_TLS=$(free_port)
cat > "$W/plain.toml" <<TOML
[server]
listen = "127.0.0.1:$P_HTTP"
[storage]
data_dir = "$W/shop"
[jobs]
interval_secs = 3600
[backup]
interval_hours = 0
TOML
cat > "$W/tls.toml" <<TOML
[server]
listen = "127.0.0.1:$P_TLS"
[storage]
data_dir = "$W/shop-tls"
[tls]
mode = "files"
cert_file = "$W/ec.crt"
key_file = "$W/ec.key"
http_listen = ""
[jobs]
interval_secs = 3600
[backup]
interval_hours = 0
TOML
# Seed a data dir with the demo catalog, then serve it from the config files.
S=$(start_puzi seed demo --data "$W/shop" --listen 127.0.0.1:0); kill $S; tail --pid=$S -f /dev/null
cp -r "$W/shop" "$W/shop-tls"
PID_HTTP=$(start_shop "$W/plain.toml" a)
PID_TLS=$(start_shop "$W/tls.toml" b)
mkdir -p "$W/www/p"
curl -s "http://127.0.0.1:$P_HTTP/" -o "$W/www/index.html"
curl -s "http://127.0.0.1:$P_HTTP/p/stoneware-mug" -o "$W/www/p/stoneware-mug"
cat > "$W/nginx.conf" <<NGINX
worker_processes 1; daemon off; error_log stderr crit; pid $W/nginx.pid;
events { worker_connections 4096; }
http { access_log off; sendfile on; tcp_nopush on; tcp_nodelay on; keepalive_requests 10000000;
  default_type text/html; charset utf-8; open_file_cache max=100 inactive=60s;
  server { listen 127.0.0.1:$N_HTTP; root $W/www; index index.html; }
  server { listen 127.0.0.1:$N_TLS ssl http2; ssl_certificate $W/ec.crt; ssl_certificate_key $W/ec.key;
           ssl_protocols TLSv1.2 TLSv1.3; root $W/www; index index.html; } }
NGINX
taskset -c 0 nginx -c "$W/nginx.conf" & NGINX=$!
curl -s -o /dev/null "http://127.0.0.1:$N_HTTP/" || true

# Interleaved: each round measures puzi and nginx back to back (the first alternating), so
# a neighbour's load falls on both; the ratio is taken per round.
ROUNDS=${ROUNDS:-5}; RDUR=${RDUR:-3}
wrk_for() { taskset -c 1 wrk -t1 -c64 -d"${RDUR}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
: > "$W/rounds"
for round in $(seq 1 "$ROUNDS"); do
  for page in / /p/stoneware-mug; do
    for mode in http tls; do
      if [[ $mode == http ]]; then pu="http://127.0.0.1:$P_HTTP$page"; ng="http://127.0.0.1:$N_HTTP$page"
      else pu="https://127.0.0.1:$P_TLS$page"; ng="https://127.0.0.1:$N_TLS$page"; fi
      if (( round % 2 )); then p=$(wrk_for "$pu"); n=$(wrk_for "$ng")
      else n=$(wrk_for "$ng"); p=$(wrk_for "$pu"); fi
      echo "$mode $page $p $n" >> "$W/rounds"
    done
  done
done
RSS_LOAD=$(awk '/VmHWM/ {print $2/1024}' /proc/$PID_HTTP/status)
kill $NGINX $PID_HTTP $PID_TLS; wait $NGINX $PID_HTTP $PID_TLS 2>/dev/null || true

echo
echo "storefront: wrk -t1 -c64 keep-alive, both servers on core 0, wrk on core 1; $ROUNDS interleaved rounds of ${RDUR}s; load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$W/rounds" <<'PY'
import sys, statistics as st
rows = {}
for line in open(sys.argv[1]):
    mode, page, p, n = line.split()
    rows.setdefault((mode, page), []).append((float(p), float(n)))
print("| storefront | puzi req/s (median) | nginx req/s (median) | ratio (median) | ratio spread (min–max) |")
print("|---|---|---|---|---|")
for (mode, page), runs in sorted(rows.items()):
    ratios = [p / n for p, n in runs]
    print(f"| {mode} {page} | {st.median(p for p, _ in runs):.0f} | {st.median(n for _, n in runs):.0f} "
          f"| {st.median(ratios):.2f} | {min(ratios):.2f}–{max(ratios):.2f} |")
PY
fi

# --- search ----------------------------------------------------------------------------
# A demo shop plus SEARCH_PRODUCTS generated products (Chinese names and descriptions, two
# variants each) imported through `puzi catalog import`; the driver times the same index
# in-process and GET /search over HTTP (puzi on core 0, the driver on core 1).
if want search; then
SD="$W/search"
S=$(start_puzi seed-search demo --data "$SD" --listen 127.0.0.1:0); kill "$S"; tail --pid="$S" -f /dev/null
printf '[server]\nlisten = "127.0.0.1:0"\n[storage]\ndata_dir = "%s"\n' "$SD" > "$SD.toml"
"$DRV" search-gen "$W/search.csv" "${SEARCH_PRODUCTS:-2000}"
"$BIN" catalog import --config "$SD.toml" "$W/search.csv" > /dev/null
P=$(free_port)
SP=$(start_puzi search demo --data "$SD" --listen 127.0.0.1:$P)
echo
echo "search: load $(cut -d' ' -f1-3 /proc/loadavg)"
taskset -c 1 "$DRV" search "http://127.0.0.1:$P" "$W/search.csv"
kill $SP; tail --pid=$SP -f /dev/null
fi

# --- checkout and notifications ------------------------------------------------------
if want checkout || want footprint; then
P=$(free_port)
stocked_shop "$W/load"
# Both cores: checkout's limit is openssl on 2 cores.
LOAD=$(PIN=0,1 start_puzi load demo --data "$W/load" --listen 127.0.0.1:$P)
CHECKOUT=$("$DRV" checkout "http://127.0.0.1:$P" "$DUR" 16 | awk '{print $2}')
SIGN=$(openssl speed -multi 2 -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')
LIMIT=$(python3 -c "print(f'{$SIGN/3:.1f}')")
NOTIFY=$("$DRV" notify "http://127.0.0.1:$P" "$W/load" 2000 16 | awk '{print $2}')
RSS_LOAD2=$(awk '/VmHWM/ {print $2/1024}' /proc/$LOAD/status)
kill $LOAD; wait $LOAD 2>/dev/null || true
REDB=$("$DRV" redb "$W" 5 | awk '{print $2}')

echo
echo "| checkout and notifications | puzi | reference | ratio |"
echo "|---|---|---|---|"
echo "| orders placed and prepaid /s (16 shoppers) | $CHECKOUT | $LIMIT (openssl: $SIGN signs/s on 2 cores ÷ 3 per checkout) | $(ratio $CHECKOUT $LIMIT) |"
echo "| notifications applied durably /s (16 at once) | $NOTIFY | $REDB (redb durable commits/s) | $(ratio $NOTIFY $REDB) |"
fi

# --- footprint -----------------------------------------------------------------------
if want footprint; then
STARTUP=$("$DRV" startup "$BIN")
echo
echo "| footprint | |"
echo "|---|---|"
echo "| binary size | $(python3 -c "print(f'{$(stat -c %s "$BIN")/1e6:.2f}')") MB |"
echo "| $(echo "$STARTUP" | grep rss_idle | awk '{print "resident memory idle | " $2 " MB"}') |"
echo "| resident memory, peak under wrk (storefront) | ${RSS_LOAD:-not run} MB |"
echo "| resident memory, peak under checkout+notification load | ${RSS_LOAD2:-not run} MB |"
echo "| $(echo "$STARTUP" | grep startup | awk '{print "start-up to first page (median of 3) | " $2 " ms"}') |"
fi

# --- abuse ---------------------------------------------------------------------------
# One puzi (sandbox mode, loopback, pinned to core 0); the driver on core 1 runs the shopper,
# WeChat's notifications and the abusers. ABUSE_SECS: each purchasing phase (default 45, so
# that the abuse, half as long again, outlasts the 60 s body deadline).
if want abuse; then
stocked_shop "$W/abuse"
P=$(free_port)
ulimit -n 65536 2>/dev/null || ulimit -n 4096 # 500 slow connections on both sides
ABUSE=$(start_puzi abuse demo --data "$W/abuse" --listen 127.0.0.1:$P)
echo
taskset -c 1 "$DRV" abuse "http://127.0.0.1:$P" "$W/abuse" "${ABUSE_SECS:-45}"
echo "| resident memory of puzi, peak during the abuse run | $(awk '/VmHWM/ {print $2/1024}' /proc/$ABUSE/status) MB |"
kill $ABUSE; tail --pid=$ABUSE -f /dev/null
"$DRV" abuse-counts "$W/abuse"
fi
echo
echo "machine: $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs), $(free -g | awk '/Mem/ {print $2}') GiB"
