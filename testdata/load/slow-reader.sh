#!/bin/sh
# Reproduces, with the real binary, faults TestLoad (load_test.go) finds
# under load, as of protocol 2 (output counted as received when the client
# acknowledges it). Usage:
#
#   go build -o /tmp/linger . && sh testdata/load/slow-reader.sh /tmp/linger
#
# Needs python3. Uses a private server in a temporary directory.
#
# 1. attach from a terminal that takes 20 KB/s to a session holding ~290 KB:
#    the terminal freezes after 4 x 64 KiB and never shows the rest, though
#    it keeps reading: mux/attach.go replay writes each chunk with a 5s
#    deadline (SlowClientTimeout) even to the session's only client, and the
#    timed-out write leaves half a frame on the connection.
# 2. receive 1.2 MB into a pipe read at 32 KB/s: "lost connection to the
#    server" after 5s (server/receive.go handleReceive: one 5s deadline for
#    all of the receive's writes), and the next receive prints it all again.
# 3. detach (Ctrl-\) from a terminal that keeps reading at 8 KB/s while the
#    program prints: the client ends with "[lost connection]", exit 1, not
#    "[detached (from session s3)]", exit 0 (server/attach.go client.finish
#    gives the last message 1s and cuts the write in progress; the client
#    ignores that it asked to detach, client/attach.go output).
# 4. two receives at once: both print the same bytes (mux/attach.go Receive
#    reads from recv, which only moves when a receive's final ack arrives,
#    after the delivery lock is released).
set -u
L=${1:?usage: slow-reader.sh /path/to/linger}
D=$(mktemp -d /tmp/lgslow.XXXXXX)
chmod 700 "$D"
export LINGER_SOCKET="$D/s.sock" HOME="$D" XDG_STATE_HOME="$D/state" XDG_CONFIG_HOME="$D/cfg" XDG_RUNTIME_DIR="$D"
trap '"$L" server stop >/dev/null 2>&1; rm -rf "$D"' EXIT

cat > "$D/term.py" <<'EOF'
# A slow terminal: runs argv on a pty, takes N bytes every DT seconds,
# types Ctrl-\ after DETACH seconds (<0: never), stops after MAX seconds.
import os, pty, select, signal, sys, time
n, dt, detach, maxt, outpath = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[6], sys.argv[6:])
out, start, typed = open(outpath, 'wb'), time.time(), False
while time.time() - start < maxt:
    if not typed and 0 <= detach < time.time() - start:
        os.write(fd, b'\x1c'); typed = True
    if select.select([fd], [], [], dt)[0]:
        try:
            b = os.read(fd, n)
        except OSError:
            break
        if not b:
            break
        out.write(b); out.flush()
        time.sleep(dt)
else:
    os.kill(pid, signal.SIGKILL)
    print("  (client still running after %ds: killed)" % maxt)
_, st = os.waitpid(pid, 0)
print("  client exit status %d" % os.waitstatus_to_exitcode(st))
EOF
cat > "$D/pipe.py" <<'EOF'
import sys, time
out = open(sys.argv[1], 'wb')
while True:
    b = sys.stdin.buffer.read1(int(sys.argv[2]))
    if not b:
        break
    out.write(b); time.sleep(float(sys.argv[3]))
EOF
GEN='i=0; while [ $i -lt 5000 ]; do echo "line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; i=$((i+1)); done; echo END'
unrecv() { "$L" ls --json | python3 -c "import json,sys; print([s['buffered_bytes'] for s in json.load(sys.stdin) if s['name']=='$1'][0])"; }
lines() { tr -d '\r' < "$1" | grep -a '^line' | awk '{print $2}' | sort -n; }

echo "1. attach from a 20 KB/s terminal (kept 25s), then receive"
"$L" new -d s1 -- sh -c "$GEN; exec sleep 1000" >/dev/null
sleep 2
echo "  unreceived before: $(unrecv s1) bytes"
python3 "$D/term.py" 4000 0.2 -1 25 "$D/a1" "$L" attach s1
echo "  the terminal printed $(wc -c < "$D/a1") bytes, ending $(tail -c 30 "$D/a1" | od -An -c | tr -s ' \n' ' ')"
echo "  unreceived after: $(unrecv s1) bytes"
"$L" receive s1 > "$D/r1"
echo "  receive printed $(wc -c < "$D/r1") bytes; lines printed twice: $(lines "$D/a1" > "$D/n1"; lines "$D/r1" > "$D/n2"; sort "$D/n1" "$D/n2" | uniq -d | wc -l)"

echo "2. receive (1.2 MB held) into a 32 KB/s pipe, then receive again"
"$L" new -d s2 -- sh -c "$(echo "$GEN" | sed 's/5000/20000/'); exec sleep 1000" >/dev/null
sleep 3
"$L" receive s2 2> "$D/e2" | python3 "$D/pipe.py" "$D/r2" 16000 0.5
echo "  receive #1: stderr \"$(cat "$D/e2")\", printed $(wc -c < "$D/r2") bytes"
"$L" receive s2 > "$D/r2b"
echo "  receive #2 printed $(wc -c < "$D/r2b") bytes, from \"$(head -1 "$D/r2b" | cut -c1-7)\"; lines printed twice: $(lines "$D/r2" > "$D/n1"; lines "$D/r2b" > "$D/n2"; sort "$D/n1" "$D/n2" | uniq -d | wc -l)"

echo "3. a program printing all the time; detach after 3s from an 8 KB/s terminal"
"$L" new -d s3 -- sh -c 'while :; do echo "tick xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; done' >/dev/null
sleep 1
python3 "$D/term.py" 4000 0.5 3 60 "$D/a3" "$L" attach s3
echo "  last line: $(tail -c 40 "$D/a3" | tr -d '\r' | tail -1)"

echo "4. two receives at once (the first one into a 320 KB/s pipe)"
"$L" new -d s4 -- sh -c "$GEN; exec sleep 1000" >/dev/null
sleep 2
"$L" receive s4 | python3 "$D/pipe.py" "$D/r4a" 32000 0.1 &
sleep 0.3
"$L" receive s4 > "$D/r4b"
wait
echo "  receive #1 printed $(wc -c < "$D/r4a") bytes, receive #2 $(wc -c < "$D/r4b") bytes; lines printed by both: $(lines "$D/r4a" > "$D/n1"; lines "$D/r4b" > "$D/n2"; sort "$D/n1" "$D/n2" | uniq -d | wc -l)"
