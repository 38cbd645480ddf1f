#!/usr/bin/env bash
# The fault matrix of issue 13, driven from the outside against the real
# bin/detect and bin/build: hostile launch.toml and <platform>/env files
# (FIFOs, devices, huge, NUL escapes, odd values), crafted archives, and a
# loopback server that lies (1 TB Content-Length, a 2 KB/s drip, an https to
# http redirect, 404, wrong bytes). Each case must end within its bound,
# with the expected exit, a message naming the culprit, the earlier layer
# byte-identical and no temp file left.
#
#   bench/reliability.sh [bin-dir]      (default: bin/ of the repo)
# Prints one line per case and "N passed, N failed (cases tried: T, held: H)".
# Needs: go (builds a tiny app), python3 (the server), openssl (its cert), tar.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(cd "${1:-$REPO/bin}" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/reliability.XXXXXX")
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
passed=0 failed=0 tried=0

# ---- fixtures --------------------------------------------------------------
mkdir -p "$WORK/gosrc" "$WORK/app" "$WORK/tarsrc/ok" "$WORK/srv"
printf 'package main\nfunc main(){}\n' > "$WORK/gosrc/main.go"
printf 'module example.com/app\ngo 1.22\n' > "$WORK/gosrc/go.mod"
(cd "$WORK/gosrc" && GOFLAGS=-buildvcs=false GOTOOLCHAIN=local go build -o "$WORK/app/server" .) || {
  echo "reliability: go build of the fixture app failed" >&2; exit 2; }
printf '#!/bin/sh\necho dlv "$@"\n' > "$WORK/tarsrc/ok/dlv"
chmod 755 "$WORK/tarsrc/ok/dlv"
tar -C "$WORK/tarsrc/ok" -czf "$WORK/srv/good.tar.gz" dlv
echo '# another release' >> "$WORK/tarsrc/ok/dlv"
tar -C "$WORK/tarsrc/ok" -czf "$WORK/srv/good2.tar.gz" dlv
sha() { sha256sum "$1" | cut -d' ' -f1; }

# Crafted archives (python's tarfile writes what tar(1) refuses to).
python3 - "$WORK/srv" <<'PY'
import io, sys, tarfile
out = sys.argv[1]
def make(name, entries):
    with tarfile.open(f"{out}/{name}", "w:gz") as t:
        for e in entries:
            ti = tarfile.TarInfo(e["name"])
            ti.type = e.get("type", tarfile.REGTYPE)
            ti.linkname = e.get("link", "")
            data = e.get("data", b"")
            ti.size = len(data) if ti.type == tarfile.REGTYPE else 0
            ti.mode = 0o755
            t.addfile(ti, io.BytesIO(data) if ti.size else None)
make("dotdot.tar.gz", [{"name": "../../escape", "data": b"x"}])
make("abslink.tar.gz", [{"name": "dlv", "type": tarfile.SYMTYPE, "link": "/etc/passwd"}])
make("linkout.tar.gz", [{"name": "d", "type": tarfile.SYMTYPE, "link": "../.."},
                        {"name": "d/escape", "data": b"x"}])
make("longname.tar.gz", [{"name": "a/" * 2100 + "dlv", "data": b"x"}])
make("fifo.tar.gz", [{"name": "dlv", "type": tarfile.FIFOTYPE}])
make("device.tar.gz", [{"name": "dlv", "type": tarfile.CHRTYPE}])
with open(f"{out}/notgz.tar.gz", "wb") as f:
    f.write(b"\x1f\x8b\x08\x00garbage" * 100)
PY

# A self-signed certificate for 127.0.0.1, trusted through a binding.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

# The lying server: plain HTTP on one port, TLS on another.
cat > "$WORK/server.py" <<'PY'
import http.server, os, socketserver, ssl, sys, threading, time
root, cert, key, portfile = sys.argv[1:5]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        p = self.path
        try:
            if p == "/huge.tar.gz":
                self.send_response(200); self.send_header("Content-Length", str(1 << 40)); self.end_headers()
                while True: self.wfile.write(b"\0" * 65536)
            elif p == "/chunked.tar.gz":
                self.send_response(200); self.send_header("Transfer-Encoding", "chunked"); self.end_headers()
                chunk = b"\0" * 65536
                while True: self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            elif p == "/drip.tar.gz":
                self.send_response(200); self.send_header("Content-Length", str(50 << 20)); self.end_headers()
                while True: self.wfile.write(b"\0" * 200); self.wfile.flush(); time.sleep(0.1)
            elif p == "/downgrade.tar.gz":
                self.send_response(302); self.send_header("Location", "http://127.0.0.1:%d/good2.tar.gz" % PLAIN)
                self.send_header("Content-Length", "0"); self.end_headers()
            elif p == "/stall.tar.gz":
                self.send_response(200); self.send_header("Content-Length", "1000"); self.end_headers()
                self.wfile.write(b"\0" * 10); self.wfile.flush(); time.sleep(3600)
            else:
                path = os.path.join(root, os.path.basename(p))
                if not os.path.isfile(path):
                    self.send_error(404); return
                data = open(path, "rb").read()
                self.send_response(200); self.send_header("Content-Length", str(len(data))); self.end_headers()
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
plain = S(("127.0.0.1", 0), H); PLAIN = plain.server_address[1]
tls = S(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(cert, key)
tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
with open(portfile, "w") as f: f.write("%d %d\n" % (PLAIN, tls.server_address[1]))
threading.Thread(target=tls.serve_forever, daemon=True).start()
plain.serve_forever()
PY
python3 "$WORK/server.py" "$WORK/srv" "$WORK/cert.pem" "$WORK/key.pem" "$WORK/ports" &
SERVER_PID=$!
for _ in $(seq 50); do [ -s "$WORK/ports" ] && break; sleep 0.1; done
read -r HTTP_PORT TLS_PORT < "$WORK/ports"
HTTP="http://127.0.0.1:$HTTP_PORT"
HTTPS="https://127.0.0.1:$TLS_PORT"

# ---- one workspace per case ------------------------------------------------
# new_case NAME: $C with layers (group.toml, an earlier Go buildpack's
# launch.toml), platform, buildpack dir with bin/debug-launch.
new_case() {
  C=$WORK/case-$1
  L=$C/layers OURS=$C/layers/cnbdebug_debug P=$C/platform B=$C/buildpack
  mkdir -p "$OURS" "$L/example_go" "$P/env" "$B/bin"
  cp "$BIN/debug-launch" "$B/bin/"
  printf '[[group]]\nid = "example/go"\nversion = "1.0.0"\napi = "0.10"\n\n[[group]]\nid = "cnbdebug/debug"\nversion = "0.1.0"\napi = "0.10"\n' > "$L/group.toml"
  printf '[[processes]]\ntype = "web"\ncommand = ["%s"]\nargs = ["--port", "8080"]\ndefault = true\n' \
    "$WORK/app/server" > "$L/example_go/launch.toml"
  printf true > "$P/env/BP_DEBUG"
  catalog "file://$WORK/srv/good.tar.gz" "$(sha "$WORK/srv/good.tar.gz")"
}
# catalog URI SHA [extra-lines]: the dlv entry of buildpack.toml.
catalog() {
  printf 'api = "0.10"\n[buildpack]\nid = "cnbdebug/debug"\nversion = "0.1.0"\nname = "Debug"\n[[metadata.dependencies]]\nid = "dlv"\nname = "Delve"\nversion = "1.27.2"\nuri = "%s"\nchecksum = "sha256:%s"\nruntime-versions = ">=1.20, <2"\nlicenses = ["MIT"]\n%s\n' \
    "$1" "$2" "${3:-}" > "$B/buildpack.toml"
}
run_build() { # bound-seconds [env...]: sets RC, OUT, ERR, TOOK_MS
  local bound=$1; shift
  local t0; t0=$(date +%s%N)
  (cd "$WORK/app" && env -i PATH=/usr/bin:/bin CNB_LAYERS_DIR="$OURS" CNB_PLATFORM_DIR="$P" \
     CNB_BUILDPACK_DIR="$B" "$@" timeout -s KILL "$bound" "$BIN/build" >"$C/out" 2>"$C/err")
  RC=$?; TOOK_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
  OUT=$(cat "$C/out"); ERR=$(cat "$C/err")
}
run_detect() { # bound-seconds
  local t0; t0=$(date +%s%N)
  mkdir -p "$C/plan"
  env -i PATH=/usr/bin:/bin CNB_PLATFORM_DIR="$P" CNB_BUILD_PLAN_PATH="$C/plan/plan.toml" \
    CNB_BUILDPACK_DIR="$B" timeout -s KILL "$1" "$BIN/detect" >"$C/out" 2>"$C/err"
  RC=$?; TOOK_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
  OUT=$(cat "$C/out"); ERR=$(cat "$C/err")
}
snapshot() { # the layers dir: every path with type, mode and content hash
  (cd "$OURS" && find . -printf '%y %m %p %l\n' | sort; find . -type f -exec sha256sum {} + | sort)
}
leftovers() { find "$L" "$B" \( -name '*.tmp.*' -o -name '*.old.*' -o -name '*.download.*' -o -name '*.part.*' \) -print; }

result() { # name ok(0/1) why
  tried=$((tried + 1))
  if [ "$2" = 0 ]; then passed=$((passed + 1)); printf '  ok    %-34s %6d ms  %s\n' "$1" "$TOOK_MS" "$3"
  else failed=$((failed + 1)); printf '  FAIL  %-34s %6d ms  %s\n        stderr: %s\n' "$1" "$TOOK_MS" "$3" "$(echo "$ERR" | head -3)"; fi
}
# expect NAME WANT-RC NEEDLE: exit as wanted (nonzero = any nonzero), stderr
# names NEEDLE, finished before the KILL bound (rc 137 is a hang).
expect() {
  local ok=0
  if [ "$RC" = 137 ]; then ok=1
  elif [ "$2" = any ]; then :
  elif [ "$2" = nonzero ] && [ "$RC" = 0 ]; then ok=1
  elif [ "$2" != nonzero ] && [ "$RC" != "$2" ]; then ok=1
  fi
  if [ -n "$3" ] && ! grep -qF -- "$3" <<<"$ERR$OUT"; then ok=1; fi
  [ "$RC" != 0 ] && [ "$(grep -c . <<<"$ERR")" -gt 3 ] && ok=1
  echo $ok
}

echo "== reliability: $BIN (server $HTTP, $HTTPS)"

# ---- detect ----------------------------------------------------------------
new_case detect-fifo; rm "$P/env/BP_DEBUG"; mkfifo "$P/env/BP_DEBUG"
# detect never fails on a bad value: it passes and bin/build stops with the
# message, so only a hang or a missing message is a failure here.
run_detect 10; result "detect: env/BP_DEBUG is a FIFO" "$(expect x any "not a regular file")" "rc=$RC"
new_case detect-dev; rm "$P/env/BP_DEBUG"; ln -s /dev/zero "$P/env/BP_DEBUG"
run_detect 10; result "detect: env/BP_DEBUG -> /dev/zero" "$(expect x any "not a regular file")" "rc=$RC"
new_case detect-huge; head -c 20000000 /dev/zero | tr '\0' t > "$P/env/BP_DEBUG"
run_detect 10; result "detect: env/BP_DEBUG of 20 MB" "$(expect x any "larger than")" "rc=$RC"
for v in maybe 'tru e' $'true\nfalse' ''; do
  new_case "detect-odd"; printf '%s' "$v" > "$P/env/BP_DEBUG"
  want=any; needle="is not a boolean"; [ -z "$v" ] && { want=100; needle=""; }
  run_detect 10; result "detect: BP_DEBUG='$(printf %q "$v")'" "$(expect x $want "$needle")" "rc=$RC"
done

# ---- build: hostile inputs from other buildpacks and the platform ----------
new_case good; run_build 60
result "build: the good case" "$(expect x 0 "")" "rc=$RC"
new_case launch-fifo; rm "$L/example_go/launch.toml"; mkfifo "$L/example_go/launch.toml"
run_build 20; result "build: earlier launch.toml is a FIFO" "$(expect x nonzero "launch.toml")" "rc=$RC"
new_case launch-dev; rm "$L/example_go/launch.toml"; ln -s /dev/urandom "$L/example_go/launch.toml"
run_build 20; result "build: launch.toml -> /dev/urandom" "$(expect x nonzero "launch.toml")" "rc=$RC"
new_case launch-nul
printf '[[processes]]\ntype = "web"\ncommand = ["%s\\u0000 --evil"]\ndefault = true\n' "$WORK/app/server" > "$L/example_go/launch.toml"
run_build 20; result "build: \\u0000 in a launch.toml command" "$(expect x nonzero "launch.toml:3:")" "rc=$RC"
new_case launch-huge; head -c 80000000 /dev/zero | tr '\0' '#' > "$L/example_go/launch.toml"
run_build 20; result "build: launch.toml of 80 MB" "$(expect x nonzero "launch.toml")" "rc=$RC"
new_case env-fifo; mkfifo "$P/env/BP_DEBUG_PORT"
run_build 20; result "build: env/BP_DEBUG_PORT is a FIFO" "$(expect x nonzero "BP_DEBUG_PORT")" "rc=$RC"
for v in 70000 1215752191 -1 0x50 '80 80' abc; do
  new_case "port"; printf '%s' "$v" > "$P/env/BP_DEBUG_PORT"
  run_build 20; result "build: BP_DEBUG_PORT='$v'" "$(expect x nonzero "BP_DEBUG_PORT")" "rc=$RC"
done
for v in soon 0 -5 99999999999999999999; do
  new_case "timeout"; printf '%s' "$v" > "$P/env/BP_DEBUG_DOWNLOAD_TIMEOUT"
  catalog "$HTTP/good.tar.gz" "$(sha "$WORK/srv/good.tar.gz")"
  run_build 20; result "build: BP_DEBUG_DOWNLOAD_TIMEOUT='$v'" "$(expect x nonzero "BP_DEBUG_DOWNLOAD_TIMEOUT")" "rc=$RC"
done
new_case umask
(umask 077; run_build 60)
bad=$( (cd "$OURS" && find . -path ./launch.toml -prune -o \( -type d ! -perm 755 -o -type f ! -perm 644 ! -perm 755 \) -print) | head -3)
TOOK_MS=0; RC=0; ERR=$bad
result "build: umask 077 keeps 0755/0644" "$([ -z "$bad" ] && [ -d "$OURS/debug-tools" ] && echo 0 || echo 1)" "${bad:-all modes fine}"

# ---- build: downloads and archives replace a good layer --------------------
# fault NAME URI SHA NEEDLE BOUND [extra catalog lines] [env...]
fault() {
  local name=$1 uri=$2 digest=$3 needle=$4 bound=$5 extra=${6:-}; shift 6
  new_case "$name"; run_build 60
  if [ "$RC" != 0 ]; then TOOK_MS=0; result "$name (setup)" 1 "good build failed"; return; fi
  local before; before=$(snapshot)
  catalog "$uri" "$digest" "$extra"
  run_build "$bound" "$@"
  local ok; ok=$(expect x nonzero "$needle")
  local why="rc=$RC"
  if [ "$(snapshot)" != "$before" ]; then ok=1; why="$why, the earlier layer changed"; fi
  local left; left=$(leftovers)
  if [ -n "$left" ]; then ok=1; why="$why, left: $left"; fi
  result "$name" "$ok" "$why"
}
X=0000000000000000000000000000000000000000000000000000000000000000
GOOD=$(sha "$WORK/srv/good.tar.gz")
fault "download: 1 TB Content-Length" "$HTTP/huge.tar.gz" $X "1099511627776 bytes" 20 ""
fault "download: endless chunked body" "$HTTP/chunked.tar.gz" $X "byte limit" 60 ""
fault "download: size key caps the body" "$HTTP/chunked.tar.gz" $X "1000-byte limit" 20 "size = 1000"
fault "download: 2 KB/s drip (deadline 3 s)" "$HTTP/drip.tar.gz" $X "BP_DEBUG_DOWNLOAD_TIMEOUT" 20 "" BP_DEBUG_DOWNLOAD_TIMEOUT=3
fault "download: stalled body (deadline 3 s)" "$HTTP/stall.tar.gz" $X "BP_DEBUG_DOWNLOAD_TIMEOUT" 20 "" BP_DEBUG_DOWNLOAD_TIMEOUT=3
new_ca() { mkdir -p "$P/bindings/ca"; echo ca-certificates > "$P/bindings/ca/type"; cp "$WORK/cert.pem" "$P/bindings/ca/ca.pem"; }
# The redirect case needs the CA binding before the faulty run: set it up by hand.
new_case redirect; new_ca; run_build 60; before=$(snapshot)
catalog "$HTTPS/downgrade.tar.gz" "$(sha "$WORK/srv/good2.tar.gz")"; run_build 20
ok=$(expect x nonzero "only follows https redirects"); [ "$(snapshot)" != "$before" ] && ok=1
result "download: https -> http redirect" "$ok" "rc=$RC"
fault "download: 404" "$HTTP/missing.tar.gz" $X "404" 30 ""
fault "download: wrong sha256" "$HTTP/good.tar.gz" $X "sha256 mismatch" 30 ""
fault "download: unreachable port" "http://127.0.0.1:1/x.tar.gz" $X "127.0.0.1:1" 60 ""
for a in dotdot abslink linkout longname fifo device notgz; do
  f=$WORK/srv/$a.tar.gz
  fault "archive: $a" "file://$f" "$(sha "$f")" "extracting" 20 ""
done

echo "$passed passed, $failed failed (cases tried: $tried, held: $passed)"
[ "$failed" = 0 ]
