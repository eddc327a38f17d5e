#!/usr/bin/env python3
"""Slow and silent clients against a server on 127.0.0.1 (bounded: N+N connections, BUDGET s)."""
import socket, sys, threading, time
port = int(sys.argv[1]); N = int(sys.argv[2]); BUDGET = float(sys.argv[3])
results = {"slow": [], "silent": []}
lock = threading.Lock()
def client(kind):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(0.2)
    start = time.monotonic(); closed = None
    if kind == "slow":
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    n = 0; next_line = start + 2
    while time.monotonic() - start < BUDGET:
        try:
            if s.recv(1024) == b"": closed = time.monotonic() - start; break
        except socket.timeout: pass
        except OSError: closed = time.monotonic() - start; break
        if kind == "slow" and time.monotonic() >= next_line:
            try: s.sendall(b"X-Slow-%d: 1\r\n" % n); n += 1; next_line += 2
            except OSError: closed = time.monotonic() - start; break
    s.close()
    with lock: results[kind].append(closed)
threads = [threading.Thread(target=client, args=(k,)) for k in ("slow", "silent") for _ in range(N)]
for t in threads: t.start()
lat = []
t0 = time.monotonic()
while time.monotonic() - t0 < min(BUDGET, 15):
    a = time.monotonic()
    c = socket.create_connection(("127.0.0.1", port)); c.settimeout(5)
    c.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = c.recv(100); c.close()
    lat.append((time.monotonic() - a, data[:12]))
    time.sleep(1)
for t in threads: t.join()
for kind, r in results.items():
    cut = [x for x in r if x is not None]
    print(f"{kind}: {len(r)} clients, {len(cut)} cut", end="")
    if cut: print(f", after min {min(cut):.2f} s, max {max(cut):.2f} s", end="")
    print(f"; {len(r)-len(cut)} still open after {BUDGET:.0f} s")
ok = sum(1 for _, d in lat if d.startswith(b"HTTP/1.1 200"))
print(f"normal requests meanwhile: {ok}/{len(lat)} answered 200, slowest {max(l for l,_ in lat)*1000:.1f} ms")
