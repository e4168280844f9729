// The pktcraft benchmark workloads (DESIGN.md) with gopacket, for comparison.
//
// Build (offline, from Debian's golang-go and golang-github-google-gopacket-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o /tmp/gopacket-bench scripts/bench/gopacket/main.go
//
// Run:
//
//	gopacket-bench -workload gtpu|vxlan -count N -out FILE [-rfc768]
//	gopacket-bench -workload decode -in FILE [-parser fast|packet]
//	gopacket-bench -workload decode-dns -in FILE   (DecodingLayerParser with layers.DNS)
//
// Prints one JSON line: {"workload","count","seconds","pps","mbps","maxrss_kb",...}.
// gopacket sends a UDP checksum that computes to 0 as 0 ("no checksum"); RFC 768 says 0xFFFF.
// -rfc768 patches those to 0xFFFF after serializing, so the file can be compared byte for byte
// with pktcraft's; the count of patched packets is printed either way.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

type result struct {
	Workload     string  `json:"workload"`
	Tool         string  `json:"tool"`
	Count        int     `json:"count"`
	Seconds      float64 `json:"seconds"`
	Pps          float64 `json:"pps"`
	Mbps         float64 `json:"mbps"`
	MaxRssKb     int64   `json:"maxrss_kb"`
	Bytes        int64   `json:"bytes"`
	ZeroUDPSums  int     `json:"zero_udp_checksums,omitempty"`
	SourcePorts  uint64  `json:"sum_inner_sport,omitempty"`
	DecodeErrors int     `json:"decode_errors,omitempty"`
}

// maxRss is this process's peak RSS in kB: VmHWM from /proc/self/status, which starts afresh at
// exec (getrusage's ru_maxrss keeps the high-water mark of the forking parent, here Node).
func maxRss() int64 {
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "VmHWM:") {
				fields := strings.Fields(line)
				if len(fields) >= 2 {
					if kb, err := strconv.ParseInt(fields[1], 10, 64); err == nil {
						return kb
					}
				}
			}
		}
	}
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return usage.Maxrss
}

func main() {
	workload := flag.String("workload", "gtpu", "gtpu | vxlan | decode")
	count := flag.Int("count", 1000000, "packets to build")
	out := flag.String("out", "/tmp/gopacket.pcap", "output pcap (build workloads)")
	in := flag.String("in", "/tmp/gopacket.pcap", "input pcap (decode)")
	parser := flag.String("parser", "fast", "decode: fast (DecodingLayerParser) | packet (gopacket.NewPacket)")
	rfc768 := flag.Bool("rfc768", false, "send a computed UDP checksum of 0 as 0xFFFF (RFC 768)")
	flag.Parse()
	var r result
	switch *workload {
	case "gtpu", "vxlan":
		r = build(*workload, *count, *out, *rfc768)
	case "decode":
		r = decode(*in, *parser)
	case "decode-dns":
		r = decodeDNS(*in)
	default:
		fmt.Fprintln(os.Stderr, "unknown workload", *workload)
		os.Exit(2)
	}
	r.MaxRssKb = maxRss()
	line, _ := json.Marshal(r)
	fmt.Println(string(line))
}

func build(workload string, count int, path string, rfc768 bool) result {
	file, err := os.Create(path)
	check(err)
	buffered := bufio.NewWriterSize(file, 4<<20)
	writer := pcapgo.NewWriter(buffered)
	check(writer.WriteFileHeader(262144, layers.LinkTypeEthernet))

	payload := make([]byte, 64)
	for i := range payload {
		payload[i] = byte(i)
	}
	outerEth := &layers.Ethernet{
		SrcMAC:       net.HardwareAddr{2, 0, 0, 0, 0, 1},
		DstMAC:       net.HardwareAddr{2, 0, 0, 0, 0, 2},
		EthernetType: layers.EthernetTypeIPv4,
	}
	outerIP := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{192, 0, 2, 1}, DstIP: net.IP{192, 0, 2, 2}}
	outerUDP := &layers.UDP{}
	check(outerUDP.SetNetworkLayerForChecksum(outerIP))
	gtp := &layers.GTPv1U{Version: 1, ProtocolType: 1, MessageType: 255, MessageLength: 20 + 20 + 64}
	vx := &layers.VXLAN{ValidIDFlag: true}
	innerEth := &layers.Ethernet{
		SrcMAC:       net.HardwareAddr{2, 0, 0, 0, 1, 1},
		DstMAC:       net.HardwareAddr{2, 0, 0, 0, 1, 2},
		EthernetType: layers.EthernetTypeIPv4,
	}
	innerIP := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP{10, 0, 0, 0}, DstIP: net.IP{203, 0, 113, 10}}
	tcp := &layers.TCP{DstPort: 443, Ack: 1, PSH: true, ACK: true, Window: 65535}
	check(tcp.SetNetworkLayerForChecksum(innerIP))
	body := gopacket.Payload(payload)

	buffer := gopacket.NewSerializeBuffer()
	options := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	var stack []gopacket.SerializableLayer
	if workload == "gtpu" {
		outerUDP.SrcPort, outerUDP.DstPort = 2152, 2152
		stack = []gopacket.SerializableLayer{outerEth, outerIP, outerUDP, gtp, innerIP, tcp, body}
	} else {
		outerUDP.DstPort = 4789
		stack = []gopacket.SerializableLayer{outerEth, outerIP, outerUDP, vx, innerEth, innerIP, tcp, body}
	}
	zero := 0
	var bytes int64
	start := time.Now()
	for i := 0; i < count; i++ {
		inner := uint32(0x0a000000 + i)
		innerIP.SrcIP = net.IP{byte(inner >> 24), byte(inner >> 16), byte(inner >> 8), byte(inner)}
		tcp.SrcPort = layers.TCPPort(1024 + i%60000)
		tcp.Seq = uint32(i)
		if workload == "gtpu" {
			gtp.TEID = uint32(i)
		} else {
			outerUDP.SrcPort = layers.UDPPort(49152 + i%16384)
			vx.VNI = uint32(i % (1 << 24))
		}
		check(gopacket.SerializeLayers(buffer, options, stack...))
		data := buffer.Bytes()
		if data[40] == 0 && data[41] == 0 {
			zero++
			if rfc768 {
				data[40], data[41] = 0xff, 0xff
			}
		}
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, int64(i)*1000), CaptureLength: len(data), Length: len(data)}
		check(writer.WritePacket(ci, data))
		bytes += int64(len(data))
	}
	check(buffered.Flush())
	check(file.Close())
	seconds := time.Since(start).Seconds()
	return result{Workload: workload, Tool: "gopacket", Count: count, Seconds: seconds, Pps: float64(count) / seconds,
		Mbps: float64(bytes) / seconds / 1e6, Bytes: bytes, ZeroUDPSums: zero}
}

func decode(path string, parser string) result {
	file, err := os.Open(path)
	check(err)
	reader, err := pcapgo.NewReader(bufio.NewReaderSize(file, 4<<20))
	check(err)
	var sum uint64
	var bytes int64
	count := 0
	failures := 0
	start := time.Now()
	if parser == "fast" {
		var eth layers.Ethernet
		var ip4 layers.IPv4
		var udp layers.UDP
		var gtp layers.GTPv1U
		var tcp layers.TCP
		var payload gopacket.Payload
		decoder := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &udp, &gtp, &tcp, &payload)
		// Port 443 makes TCP announce TLS, which this parser has no decoder for: not an error here.
		decoder.IgnoreUnsupported = true
		decoded := make([]gopacket.LayerType, 0, 10)
		for {
			data, _, err := reader.ZeroCopyReadPacketData()
			if err == io.EOF {
				break
			}
			check(err)
			count++
			bytes += int64(len(data))
			if err := decoder.DecodeLayers(data, &decoded); err != nil {
				if failures == 0 {
					fmt.Fprintln(os.Stderr, "first decode error:", err)
				}
				failures++
			}
			for _, layer := range decoded {
				if layer == layers.LayerTypeTCP {
					sum += uint64(tcp.SrcPort)
				}
			}
		}
	} else {
		for {
			data, _, err := reader.ReadPacketData()
			if err == io.EOF {
				break
			}
			check(err)
			count++
			bytes += int64(len(data))
			packet := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
			if layer := packet.Layer(layers.LayerTypeTCP); layer != nil {
				sum += uint64(layer.(*layers.TCP).SrcPort)
			} else {
				failures++
			}
		}
	}
	seconds := time.Since(start).Seconds()
	return result{Workload: "decode-" + parser, Tool: "gopacket", Count: count, Seconds: seconds, Pps: float64(count) / seconds,
		Mbps: float64(bytes) / seconds / 1e6, Bytes: bytes, SourcePorts: sum, DecodeErrors: failures}
}

// decodeDNS decodes every packet of the DNS workload (Ethernet, IPv4, UDP 53, a DNS response) with
// DecodingLayerParser and layers.DNS, which reads the questions and every record, names decompressed;
// it sums the IDs and counts the answers, as pktcraft's side does.
func decodeDNS(path string) result {
	file, err := os.Open(path)
	check(err)
	reader, err := pcapgo.NewReader(bufio.NewReaderSize(file, 4<<20))
	check(err)
	var eth layers.Ethernet
	var ip4 layers.IPv4
	var udp layers.UDP
	var dns layers.DNS
	decoder := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &udp, &dns)
	decoded := make([]gopacket.LayerType, 0, 10)
	var sum uint64
	var answers uint64
	var bytes int64
	count := 0
	failures := 0
	start := time.Now()
	for {
		data, _, err := reader.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		check(err)
		count++
		bytes += int64(len(data))
		if err := decoder.DecodeLayers(data, &decoded); err != nil {
			if failures == 0 {
				fmt.Fprintln(os.Stderr, "first decode error:", err)
			}
			failures++
		}
		for _, layer := range decoded {
			if layer == layers.LayerTypeDNS {
				sum += uint64(dns.ID)
				answers += uint64(len(dns.Answers))
			}
		}
	}
	seconds := time.Since(start).Seconds()
	if answers != uint64(3*count) {
		fmt.Fprintf(os.Stderr, "decode-dns: %d answers in %d packets, expected 3 each\n", answers, count)
		os.Exit(1)
	}
	return result{Workload: "decode-dns", Tool: "gopacket", Count: count, Seconds: seconds, Pps: float64(count) / seconds,
		Mbps: float64(bytes) / seconds / 1e6, Bytes: bytes, SourcePorts: sum, DecodeErrors: failures}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
