#!/usr/bin/env python3
"""Helpers of test/lab/kernel-tcp.test.ts, run inside lab namespaces (never in the root namespace).

  relay IF_A IF_B --delay-ms D [--drop N,...] [--drop-retransmission-of N] [--loss P --seed S] [--pcap F]
      Bridges two interfaces frame by frame through AF_PACKET sockets (this kernel has no netem): every
      frame waits D ms, then leaves by the other interface (through its qdisc, where a tbf shapes the
      bottleneck). --drop counts the data-carrying TCP segments from A to B (1-based, retransmissions
      count, like pktcraft's drop list `cN`); --drop-retransmission-of N also drops the first
      retransmission of the bytes the N-th one carried (a lost retransmission); --loss drops frames of
      both directions at random with a seeded generator. --pcap writes the TCP frames as a capture at A
      would see them (A's frames when they reach the relay, before any drop; frames for A when they
      leave for it). Prints its counts as JSON on SIGTERM.
  server PORT [--rcvbuf B] [--read-rate BYTES_PER_S]
      Accepts one connection, reads until EOF (at a limited rate for a slow reader), closes.
  client HOST PORT --writes SIZE[@MS],... [--cc cubic|reno] [--sndbuf BYTES]
      Sets the congestion control on the socket (the namespace default may be another one), connects and writes each chunk at its time (ms after connecting), then closes and waits for EOF.
"""
import heapq
import json
import random
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def relay(args):
    if_a, if_b = args[0], args[1]
    opts = parse_opts(args[2:])
    delay = float(opts.get('delay-ms', '0')) / 1000.0
    drops = {int(x) for x in opts.get('drop', '').split(',') if x}
    drop_rexmit_of = int(opts['drop-retransmission-of']) if 'drop-retransmission-of' in opts else None
    loss = float(opts.get('loss', '0'))
    rng = random.Random(int(opts.get('seed', '1')))
    # The sender-side capture: frames from A as they arrive (before any drop), frames for A as they
    # leave towards it (after the delay), so the times are those a capture at A would show.
    pcap = open(opts['pcap'], 'wb') if 'pcap' in opts else None
    if pcap:
        pcap.write(struct.pack('<IHHiIII', 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

    def record(frame):
        if pcap and len(frame) >= 14 and frame[12:14] == b'\x08\x00' and frame[23] == 6:
            now = time.time()
            sec = int(now)
            pcap.write(struct.pack('<IIII', sec, int((now - sec) * 1e6), len(frame), len(frame)))
            pcap.write(frame)
    socks = {}
    for name in (if_a, if_b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setblocking(False)
        socks[name] = s
    other = {if_a: if_b, if_b: if_a}
    pending = []
    order = 0
    counts = {'forwarded': 0, 'dropped': 0, 'random': 0, 'data_a_to_b': 0, 'oversize': 0}
    data_index = 0
    rexmit_seq = None
    rexmit_dropped = False
    seen_seq = set()

    def stop(*_):
        if pcap:
            pcap.close()
        sys.stdout.write(json.dumps(counts) + '\n')
        sys.stdout.flush()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print('ready', flush=True)
    while True:
        timeout = max(0.0, pending[0][0] - time.monotonic()) if pending else 1.0
        readable, _, _ = select.select(list(socks.values()), [], [], timeout)
        for s in readable:
            name = if_a if s is socks[if_a] else if_b
            while True:
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                if len(frame) > 1514:
                    counts['oversize'] += 1
                if name == if_a:
                    record(frame)
                drop = False
                tcp = tcp_data(frame)
                if name == if_a and tcp is not None:
                    seq, length = tcp
                    data_index += 1
                    counts['data_a_to_b'] += 1
                    if data_index in drops:
                        drop = True
                        if drop_rexmit_of == data_index:
                            rexmit_seq = seq
                    elif rexmit_seq == seq and not rexmit_dropped:
                        drop = True
                        rexmit_dropped = True
                    seen_seq.add(seq)
                if not drop and loss > 0 and rng.random() < loss:
                    drop = True
                    counts['random'] += 1
                if drop:
                    counts['dropped'] += 1
                    continue
                order += 1
                heapq.heappush(pending, (time.monotonic() + delay, order, other[name], frame))
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, out, frame = heapq.heappop(pending)
            try:
                socks[out].send(frame)
                counts['forwarded'] += 1
                if out == if_a:
                    record(frame)
            except OSError:
                counts['dropped'] += 1  # the qdisc is full: a tail drop at the bottleneck


def tcp_data(frame):
    """(seq, payload length) of an IPv4 TCP segment carrying data, else None."""
    if len(frame) < 54 or frame[12:14] != b'\x08\x00' or frame[23] != 6:
        return None
    ihl = (frame[14] & 0x0F) * 4
    total = struct.unpack('!H', frame[16:18])[0]
    t = 14 + ihl
    doff = (frame[t + 12] >> 4) * 4
    length = total - ihl - doff
    if length <= 0:
        return None
    return struct.unpack('!I', frame[t + 4:t + 8])[0], length


def server(args):
    port = int(args[0])
    opts = parse_opts(args[1:])
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if 'rcvbuf' in opts:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, int(opts['rcvbuf']))
    ls.bind(('0.0.0.0', port))
    ls.listen(1)
    print('ready', flush=True)
    conn, _ = ls.accept()
    rate = float(opts.get('read-rate', '0'))
    total = 0
    tick = 0.01
    while True:
        if rate > 0:
            time.sleep(tick)
            chunk = conn.recv(max(1, int(rate * tick)))
        else:
            chunk = conn.recv(1 << 20)
        if not chunk:
            break
        total += len(chunk)
    conn.close()
    print(json.dumps({'received': total}), flush=True)


def client(args):
    host, port = args[0], int(args[1])
    opts = parse_opts(args[2:])
    writes = []
    for item in opts['writes'].split(','):
        size, _, at = item.partition('@')
        writes.append((int(size), float(at or '0') / 1000.0))
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, opts.get('cc', 'cubic').encode())
    if 'sndbuf' in opts:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, int(opts['sndbuf']))
    s.connect((host, port))
    start = time.monotonic()
    filler = bytes(range(256)) * 4096
    for size, at in writes:
        wait = start + at - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        data = (filler * (size // len(filler) + 1))[:size]
        s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()
    print(json.dumps({'sent': sum(w[0] for w in writes)}), flush=True)


def parse_opts(args):
    opts = {}
    i = 0
    while i < len(args):
        key = args[i][2:]
        opts[key] = args[i + 1]
        i += 2
    return opts


if __name__ == '__main__':
    {'relay': relay, 'server': server, 'client': client}[sys.argv[1]](sys.argv[2:])
