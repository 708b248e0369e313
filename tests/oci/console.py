#!/usr/bin/env python3
"""A console socket for the OCI runtime tests: listens on PATH, takes the
pty master the runtime sends (SCM_RIGHTS), writes INPUT to it and copies
what the container prints to stdout until EOF or TIMEOUT seconds.
Usage: console.py PATH INPUT [TIMEOUT]"""
import os, select, socket, sys, time

path, data = sys.argv[1], sys.argv[2].encode().decode('unicode_escape').encode()
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 10
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s.bind(path)
s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 1024, 4)
if len(fds) != 1:
    sys.exit("no fd received")
m = fds[0]
sys.stderr.write("console: got %s\n" % msg.decode(errors='replace'))
if data:
    os.write(m, data)
end = time.time() + timeout
out = b""
while time.time() < end:
    r, _, _ = select.select([m], [], [], 0.2)
    if m in r:
        try:
            b = os.read(m, 4096)
        except OSError:
            break
        if not b:
            break
        out += b
sys.stdout.write(out.decode(errors='replace'))
