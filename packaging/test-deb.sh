#!/usr/bin/env bash
# Builds the .deb with cargo-deb, runs lintian (errors fail), then installs, upgrades,
# removes and purges it on this machine — CI's machine is a throwaway root. systemd is not
# PID 1 there, so the unit is enabled but not started; the binary is started by hand as the
# puzi user with the packaged config instead, and must serve https.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo-deb >/dev/null 2>&1 || cargo install cargo-deb --locked
cargo deb --locked
deb=$(ls -t target/debian/puzi_*.deb | head -1)
echo "== $deb"
dpkg-deb --info "$deb"
dpkg-deb --contents "$deb"

echo "== lintian"
lintian --fail-on error --suppress-tags binary-without-manpage,no-manual-page "$deb"

[ "$(id -u)" -eq 0 ] || { echo "install tests need root (CI is root); skipping"; exit 0; }

fail() { echo "FAIL: $*"; exit 1; }

echo "== install"
dpkg -i "$deb"
getent passwd puzi >/dev/null || fail "no puzi system user"
[ -x /usr/bin/puzi ] || fail "no /usr/bin/puzi"
[ -f /usr/lib/systemd/system/puzi.service ] || [ -f /lib/systemd/system/puzi.service ] || fail "no unit"
grep -q '^/etc/puzi/puzi.toml$' /var/lib/dpkg/info/puzi.conffiles || fail "puzi.toml is not a conffile"
[ "$(stat -c %U:%G:%a /etc/puzi/puzi.toml)" = "root:puzi:640" ] || fail "config permissions"
[ "$(stat -c %U /var/lib/puzi)" = "puzi" ] || fail "state dir owner"

echo "== the packaged config serves https at once"
cp /etc/puzi/puzi.toml /tmp/puzi-test.toml
sed -i 's/0.0.0.0:443/127.0.0.1:18443/; s/0.0.0.0:80"/127.0.0.1:18080"/' /tmp/puzi-test.toml
chown root:puzi /tmp/puzi-test.toml; chmod 640 /tmp/puzi-test.toml
rm -f /tmp/puzi-fifo; mkfifo /tmp/puzi-fifo
# setpriv execs puzi itself (no wrapper process), so SIGTERM reaches it directly.
setpriv --reuid=puzi --regid=puzi --init-groups /usr/bin/puzi serve --config /tmp/puzi-test.toml > /tmp/puzi-fifo 2>/tmp/puzi-test.err &
pid=$!
exec 3</tmp/puzi-fifo
# Ready when the first line arrives (no polling).
read -r first <&3
read -r second <&3
echo "$first"
[ "$first" = "listening on https://127.0.0.1:18443" ] || fail "first line: $first"
case "$second" in *"one-time link"*) ;; *) fail "no setup link on first start: $second" ;; esac
curl -sfk https://127.0.0.1:18443/healthz | grep -q ok || fail "https health"
curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18080/ | grep -q 308 || fail "http redirect"
setpriv --reuid=puzi --regid=puzi --init-groups /usr/bin/puzi admin setup-link --config /tmp/puzi-test.toml | grep -q "/admin/setup/" || fail "setup-link through the socket"

echo "== the packaged (public) sandbox says so and keeps its controls for the owner"
curl -sfk https://127.0.0.1:18443/ | grep -q "SANDBOX\|演示模式" || fail "no sandbox banner on the storefront"
code=$(curl -sk -o /dev/null -w '%{http_code}' -X POST -d 'out_trade_no=x' https://127.0.0.1:18443/sandbox/control/pay)
[ "$code" = 404 ] || fail "sandbox control answered $code without an owner session"
kill -TERM $pid; wait $pid || fail "graceful stop"
exec 3<&-

echo "== without [sandbox] public = true the sandbox answers this machine only"
ip=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9.]+$' | grep -v '^127\.' | head -1 || true)
if [ -n "$ip" ]; then
  grep -q '^public = true' /tmp/puzi-test.toml || fail "packaged config has no 'public = true' line"
  sed -i 's/^public = true.*/public = false/; s/127.0.0.1:18443/0.0.0.0:18443/' /tmp/puzi-test.toml
  setpriv --reuid=puzi --regid=puzi --init-groups /usr/bin/puzi serve --config /tmp/puzi-test.toml > /tmp/puzi-fifo 2>>/tmp/puzi-test.err &
  pid=$!
  exec 3</tmp/puzi-fifo
  read -r first <&3
  [ "$first" = "listening on https://0.0.0.0:18443" ] || fail "first line: $first"
  [ "$(curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1:18443/sandbox/bridge.js)" = 200 ] || fail "sandbox not served on loopback"
  [ "$(curl -sk -o /dev/null -w '%{http_code}' "https://$ip:18443/")" = 200 ] || fail "shop not served on $ip"
  code=$(curl -sk -o /dev/null -w '%{http_code}' "https://$ip:18443/sandbox/bridge.js")
  [ "$code" = 404 ] || fail "private sandbox answered $code to $ip"
  code=$(curl -sk -o /dev/null -w '%{http_code}' -X POST -d 'out_trade_no=x' "https://$ip:18443/sandbox/control/pay")
  [ "$code" = 404 ] || fail "private sandbox control answered $code to $ip"
  kill -TERM $pid; wait $pid || fail "graceful stop"
  exec 3<&-
else
  echo "no non-loopback IPv4 address on this machine: skipped"
fi
[ -f /var/lib/puzi/puzi.redb ] || fail "no data file"

echo "== upgrade keeps an edited conffile and the data"
echo "# edited by the operator" >> /etc/puzi/puzi.toml
dpkg -i --force-confold "$deb"
grep -q "edited by the operator" /etc/puzi/puzi.toml || fail "conffile edit lost on upgrade"
[ -f /var/lib/puzi/puzi.redb ] || fail "data lost on upgrade"

echo "== remove keeps the data"
dpkg -r puzi
[ ! -e /usr/bin/puzi ] || fail "binary left after remove"
[ -f /var/lib/puzi/puzi.redb ] || fail "data deleted on remove"

echo "== purge deletes it"
dpkg -P puzi
[ ! -e /var/lib/puzi ] || fail "data left after purge"
[ ! -e /etc/puzi ] || fail "config left after purge"
echo "== .deb OK"
