#!/usr/bin/python3
"""The pktcraft benchmark workloads (DESIGN.md) with Scapy, for comparison.

Run with Debian's python3 (it has python3-scapy):
  /usr/bin/python3 scripts/bench/scapy_bench.py --workload gtpu|vxlan --count N --out FILE
  /usr/bin/python3 scripts/bench/scapy_bench.py --workload decode --count N --in FILE
Prints one JSON line like the gopacket program. Packets are built one by one with every checksum
computed by Scapy and written with PcapWriter (classic pcap, microseconds, snaplen 262144).
"""
import argparse
import json
import resource
import time

from scapy.all import Ether, IP, TCP, UDP, Raw, PcapWriter, PcapReader, conf
from scapy.contrib.gtp import GTP_U_Header
from scapy.layers.vxlan import VXLAN

PAYLOAD = bytes(range(64))


def peak_rss_kb():
    """This process's peak RSS in kB: VmHWM, which starts afresh at exec (ru_maxrss keeps the
    high-water mark of the forking parent, here Node)."""
    try:
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def inner(i):
    src = 0x0A000000 + i
    return IP(id=0, flags=0, src="%d.%d.%d.%d" % (src >> 24 & 255, src >> 16 & 255, src >> 8 & 255, src & 255),
              dst="203.0.113.10") / TCP(sport=1024 + i % 60000, dport=443, seq=i, ack=1, flags="PA",
                                        window=65535) / Raw(PAYLOAD)


def packet(workload, i):
    outer = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(id=0, flags=0, src="192.0.2.1", dst="192.0.2.2")
    if workload == "gtpu":
        return outer / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=i, gtp_type=255) / inner(i)
    return (outer / UDP(sport=49152 + i % 16384, dport=4789) / VXLAN(flags=0x08, vni=i % (1 << 24)) /
            Ether(src="02:00:00:00:01:01", dst="02:00:00:00:01:02") / inner(i))


def build(workload, count, path):
    writer = PcapWriter(path, linktype=1, sync=False, snaplen=262144)
    writer.write_header(None)
    total = 0
    start = time.perf_counter()
    for i in range(count):
        data = bytes(packet(workload, i))
        total += len(data)
        writer.write_packet(data, sec=1700000000 + i // 1000000, usec=i % 1000000)
    writer.close()
    return start, total


def decode(path, count):
    total = 0
    ports = 0
    n = 0
    start = time.perf_counter()
    with PcapReader(path) as reader:
        for frame in reader:
            tcp = frame.getlayer(TCP)
            if tcp is not None:
                ports += tcp.sport
            total += len(frame)
            n += 1
            if n >= count:
                break
    return start, total, n, ports


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workload", default="gtpu")
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--out", default="/tmp/scapy.pcap")
    parser.add_argument("--in", dest="input", default="/tmp/scapy.pcap")
    args = parser.parse_args()
    conf.verb = 0
    result = {"workload": args.workload, "tool": "scapy"}
    if args.workload == "decode":
        start, total, n, ports = decode(args.input, args.count)
        result["sum_inner_sport"] = ports
        count = n
    else:
        start, total = build(args.workload, args.count, args.out)
        count = args.count
    seconds = time.perf_counter() - start
    result.update(count=count, seconds=seconds, pps=count / seconds, mbps=total / seconds / 1e6, bytes=total,
                  maxrss_kb=peak_rss_kb())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
