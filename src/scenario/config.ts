/**
 * The order journey's scenario file: every address, MAC, TEID, VNI, port, hop count, delay, loss
 * and payload, with defaults from the documentation ranges (RFC 5737 IPv4, 02:... locally
 * administered MACs).
 *
 * Address plan of the defaults:
 *   198.51.100.0/24  the operator's UE pool: the phone is 198.51.100.23
 *   192.0.2.0/26     mobile core transport: eNodeB 192.0.2.1, SGW S1-U 192.0.2.2, SGW S5 192.0.2.5, PGW 192.0.2.6
 *   203.0.113.0/24   public: the SLB's VIP 203.0.113.10, the PGW's SNAT address 203.0.113.99 (when enabled)
 *   192.0.2.64/26    the data centre underlay: SLB host 192.0.2.65, HAProxy host 192.0.2.66
 *   192.0.2.128/26   the VPC: HAProxy VM 192.0.2.130, order service 192.0.2.140
 *   203.0.113.200/31 the eBGP peering link: the operator's border router .200, the upstream carrier's .201
 * MACs are 02:00:00:00:<device>:<interface>.
 * The data centre's tiers (j-dc) are in the VPC too: controller 192.0.2.135, inventory service
 * 192.0.2.141, order base service 192.0.2.142, MySQL 192.0.2.150; the race lesson's second phone is
 * 198.51.100.24.
 * j-setup (tunnel setup and name lookup, before the first user packet):
 *   192.0.2.9 the MME (S11), 192.0.2.10 the SGW-C on S11, 192.0.2.13 the SGW-C on S5/S8-C,
 *   192.0.2.14 the PGW-C on S5/S8-C; the operator's DNS resolver 203.0.113.53 on the SGi LAN; the
 *   shop's name resolves to the SLB VIP 203.0.113.10 and its two siblings 203.0.113.11, 203.0.113.12.
 *
 * A config file is deep-merged over the defaults, so it may set only what it changes; the merged
 * result is validated and every error names the bad key.
 */
import { FieldError } from '../core/errors.js';
// --- j-carriers: the carriers block ---
import { type CarriersConfig, checkCarriers } from './carriers.js';
// --- end j-carriers ---
import { mergeOver, type Schema, validate } from './schema.js';
// --- j-setup: rules that span the setup blocks ---
import { checkSetupConsistency } from './setup-config.js';
// --- end j-setup ---

export type JourneyMode = '4g' | '5g';
export type RetryBreak = 'rst' | 'timeout';

export interface JourneyConfig {
  /** Base name of the outputs: `<name>.pcapng` and `<name>/NN-hop.pcap`. */
  name: string;
  /** '4g': S1-U and S5/S8. '5g': N3 and N9 with the PDU Session Container carrying the QFI. */
  mode: JourneyMode;
  /** Seconds since the epoch of the phone's SYN (never 0: tshark's iRTT treats 0 as unset). */
  startTime: number;
  /**
   * The phone talks HTTPS (TLS 1.3, terminated at HAProxy; the backend hop stays plain HTTP), and the
   * captures carry the key log in a pcapng Decryption Secrets Block. false: plain HTTP throughout.
   */
  https: boolean;
  phone: { ip: string; port: number; mtu: number; receiveWindow: number; ttl: number };
  enodeb: { ip: string; mac: string };
  sgw: { s1uIp: string; s1uMac: string; s5Ip: string; s5Mac: string };
  pgw: { ip: string; s5Mac: string; sgiMac: string; snat: string | null };
  tunnels: {
    /** UDP source port of the GTP-U packets (the destination is always 2152). */
    udpSourcePort: number;
    // --- j-setup: where the GTP-U TEIDs are signalled ---
    /**
     * A TEID names its receiver: s1u.uplinkTeid is the SGW's S1-U F-TEID (Create Session Response on
     * S11, Modify Bearer Response), s1u.downlinkTeid the eNodeB's (Modify Bearer Request),
     * s5.uplinkTeid the PGW's S5/S8-U F-TEID (Create Session Responses), s5.downlinkTeid the SGW's
     * (Create Session Request on S5/S8-C). 5G mode signals none of them (N4 is not modelled).
     */
    // --- end j-setup ---
    s1u: { uplinkTeid: number; downlinkTeid: number };
    s5: { uplinkTeid: number; downlinkTeid: number };
    /** QoS Flow Identifier carried in 5G mode. */
    qfi: number;
  };
  // --- j-carriers: the carriers between the operator and the data centre (carriers.ts) ---
  carriers: CarriersConfig;
  // --- end j-carriers ---
  dcEdge: { mac: string };
  slb: { vip: string; port: number; hostIp: string; hostMac: string; gatewayMac: string; vni: number };
  haproxy: {
    vmIp: string;
    vmMac: string;
    port: number;
    hostIp: string;
    hostMac: string;
    backendSourcePort: number;
  };
  // --- j-dc: the order service is the order composite service below the controller ---
  /** The order composite service (datacentre.ts); `delays.orderServiceMs` is its own processing time. */
  // --- end j-dc ---
  orderService: { ip: string; mac: string; port: number };
  /** One-way delays in milliseconds: each is the time from the start of that link to the start of the next. */
  delays: {
    radioMs: number;
    s1uMs: number;
    s5Ms: number;
    sgiMs: number;
    dcEdgeMs: number;
    vxlanMs: number;
    backendMs: number;
    /** Time the order service takes to answer. */
    orderServiceMs: number;
  };
  lessons: {
    /**
     * The radio uplink loses the last segment of the phone's first flight: with HTTPS the ClientHello, in
     * plain HTTP the request's last segment. Nothing follows it, so no duplicate ACKs come back and the
     * phone's retransmission timer resends it; tshark's default in-order reassembly decodes every hop.
     * A loss inside the request could not (docs/radio-reassembly.md, test/lab/radio-loss.test.ts).
     */
    radioTailLoss: boolean;
    /** More client (phone) data transmissions lost on the radio uplink, 1-based, like the flow's `c3,c4`: "3,4". */
    uplinkDrops: number[];
    /** Server (HAProxy) data transmissions lost on the radio downlink, 1-based. */
    downlinkDrops: number[];
    /** The phone reads the response slowly: its receive window shrinks while the response arrives. */
    windowSqueeze: boolean;
    /** The phone's app stalls long enough for the window to reach zero (probes, then a window update). */
    zeroWindow: boolean;
  };
  tcp: { seed: number; congestionControl: 'cubic' | 'newreno' };
  order: {
    host: string;
    idempotencyKey: string;
    customerId: string;
    /** Line items in the JSON body: about 150 bytes each (64 items: 8 segments at the phone's MSS). */
    items: number;
    /** Order ids the order service hands out start here. */
    firstOrderNumber: number;
  };
  retry: {
    enabled: boolean;
    /** How the first connection breaks after the request was sent. */
    break: RetryBreak;
    /** 'timeout': how long the phone waits for the response before giving up. */
    timeoutMs: number;
    /** Pause before the phone reconnects. */
    backoffMs: number;
  };
  // --- j-dc: datacentre tiers and the database ---
  /** Inside the data centre: the controller, the base services and the race lesson (datacentre.ts). */
  datacentre: DatacentreConfig;
  /** The shop's MySQL server and its initial rows (database.ts). */
  database: DatabaseConfig;
  // --- end j-dc ---
  // --- j-setup: tunnel setup (GTPv2-C) and name lookup (DNS) ---
  /** The MME: its S11 address, MAC and the TEID it hands out for its end of S11 (4G mode only). */
  mme: { ip: string; mac: string; s11Teid: number; sequence: number; recovery: number };
  /** The SGW's control plane (SGW-C): S11 towards the MME, S5/S8-C towards the PGW-C, the TEIDs it hands out. */
  sgwControl: {
    s11Ip: string;
    s11Mac: string;
    s5cIp: string;
    s5cMac: string;
    s11Teid: number;
    s5cTeid: number;
    /** First sequence number of the SGW-C's own requests (the Create Session Request on S5/S8-C). */
    sequence: number;
    recovery: number;
  };
  /** The PGW's control plane (PGW-C) on S5/S8-C and the TEID it hands out there. */
  pgwControl: { s5cIp: string; s5cMac: string; s5cTeid: number; recovery: number };
  /** Who attaches: IMSI (MCC + MNC + MSIN), MSISDN, IMEI, the APN's network identifier and the serving PLMN. */
  subscriber: { imsi: string; msisdn: string; imei: string; apn: string; mcc: string; mnc: string };
  /** The default bearer and the timing of the attach's GTPv2-C exchanges (ms). */
  tunnelSetup: {
    ebi: number;
    qci: number;
    /** ARP priority level (1 highest .. 15 lowest). */
    arpPriority: number;
    ambrUplinkKbps: number;
    ambrDownlinkKbps: number;
    /** One-way delay MME ↔ SGW-C and SGW-C ↔ PGW-C. */
    s11Ms: number;
    s5cMs: number;
    /** Each node's time to handle a request before it sends the next message. */
    nodeMs: number;
    /** Create Session Response to Modify Bearer Request: S1-AP Initial Context Setup and RRC (not modelled). */
    radioSetupMs: number;
    /** Modify Bearer Response to the phone's first packet (its DNS query). */
    queryAfterMs: number;
  };
  /** The name lookup: the operator's resolver on the SGi LAN and its answer for `order.host`. */
  dns: {
    resolver: string;
    resolverMac: string;
    /** The SLB's other VIPs: the answer is `slb.vip` first, then these (A records in this order). */
    otherVips: string[];
    /** TTL of the A records, seconds. */
    ttl: number;
    queryId: number;
    /** The phone's UDP source port of the query. */
    phonePort: number;
    /** One-way delay PGW (SGi) → resolver; the resolver's time to answer (a cached name). */
    resolverMs: number;
    answerMs: number;
    /** Answer received to the phone's SYN (the app's connect). */
    connectAfterMs: number;
  };
  // --- end j-setup ---
}

// --- j-dc: datacentre tiers and the database ---
/** A service in the VPC: its address, MAC, listening port, and the first source port of its own calls. */
export interface ServiceConfig {
  ip: string;
  mac: string;
  port: number;
  /** Source port of its first outgoing connection (the next ones count up). */
  sourcePort: number;
  /** Its own processing time per request, ms. */
  processingMs: number;
}

export interface DatacentreConfig {
  /** The phone's API token: its request carries `Authorization: Bearer <token>`. */
  bearerToken: string;
  /** The API gateway behind HAProxy: checks the bearer token, adds `X-Request-Id`. */
  controller: ServiceConfig & { acceptedTokens: string[] };
  /** The order composite service: its address is `orderService`, its processing `delays.orderServiceMs`. */
  composite: { sourcePort: number };
  /** The inventory base service (stock, optimistic lock) and the order base service (the orders table). */
  inventory: ServiceConfig;
  orders: ServiceConfig;
  /** One-way delay of every link inside the VPC below HAProxy, ms. */
  linkMs: number;
  /**
   * The race lesson: a second phone buys the same (last) item just after the first. Its request enters
   * at HAProxy `offsetMs` after the first phone's (its radio and internet path are not drawn).
   */
  race: {
    enabled: boolean;
    phoneIp: string;
    bearerToken: string;
    idempotencyKey: string;
    customerId: string;
    offsetMs: number;
  };
}

export interface DatabaseConfig {
  ip: string;
  mac: string;
  port: number;
  /** Server version in the greeting. */
  serverVersion: string;
  schema: string;
  /** Connection (thread) id of the first connection; the next ones count up. */
  firstThreadId: number;
  /** The base services' MySQL accounts (mysql_native_password, the login carries the scrambled response). */
  users: {
    inventory: { user: string; password: string };
    orders: { user: string; password: string };
  };
  /** Time the server takes per statement, ms. */
  queryMs: number;
  /** The inventory table's rows; the order reserves one unit of its first line's SKU, which must be here. */
  inventory: Array<{ sku: string; stock: number; version: number }>;
}
// --- end j-dc ---

const ip = { kind: 'ipv4' } as const;
const mac = { kind: 'mac' } as const;
const port = { kind: 'uint', min: 1, max: 65535 } as const;
const teid = { kind: 'uint', min: 1, max: 0xffffffff } as const;
const ms = { kind: 'number', min: 0, max: 60_000 } as const;
// --- j-setup: value kinds of the setup blocks ---
const seq24 = { kind: 'uint', max: 0xffffff } as const;
const counter8 = { kind: 'uint', max: 255 } as const;
const kbps = { kind: 'uint', min: 1, max: 0xffffffff } as const;
const digits = (min: number, max: number) =>
  ({ kind: 'string', maxLength: max, pattern: new RegExp(`^\\d{${min},${max}}$`) }) as const;
// --- end j-setup ---
const dropList = { kind: 'array', of: { kind: 'uint', min: 1, max: 100_000 }, maxItems: 1000 } as const;
// --- j-carriers: carrier value kinds ---
/** Labels 0-15 are reserved (RFC 3032 §2.1, RFC 7274). */
const mplsLabel = { kind: 'uint', min: 16, max: 0xfffff } as const;
const asn = { kind: 'uint', min: 1, max: 0xffffffff } as const;
const carrierRouter = {
  kind: 'object',
  fields: { name: { kind: 'string', maxLength: 12 }, mac },
} as const;
// --- end j-carriers ---

// --- j-dc: schema pieces of the datacentre blocks ---
const token = { kind: 'string', maxLength: 256, pattern: /^[A-Za-z0-9._~+/-]+=*$/ } as const;
const serviceFields = { ip, mac, port, sourcePort: port, processingMs: ms } as const;
const mysqlAccount = {
  kind: 'object',
  fields: {
    user: { kind: 'string', maxLength: 32, pattern: /^[A-Za-z0-9_]+$/ },
    password: { kind: 'string', maxLength: 64, pattern: /^[\x21-\x7e]*$/ },
  },
} as const;
// --- end j-dc ---

export const JOURNEY_SCHEMA: Schema = {
  kind: 'object',
  fields: {
    name: { kind: 'string', maxLength: 64, pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/ },
    mode: { kind: 'enum', values: ['4g', '5g'] },
    startTime: { kind: 'uint', min: 1, max: 4_000_000_000 },
    https: { kind: 'bool' },
    phone: {
      kind: 'object',
      fields: {
        ip,
        port,
        mtu: { kind: 'uint', min: 576, max: 9000 },
        receiveWindow: { kind: 'uint', min: 1024, max: 1 << 30 },
        ttl: { kind: 'uint', min: 2, max: 255 },
      },
    },
    enodeb: { kind: 'object', fields: { ip, mac } },
    sgw: { kind: 'object', fields: { s1uIp: ip, s1uMac: mac, s5Ip: ip, s5Mac: mac } },
    pgw: { kind: 'object', fields: { ip, s5Mac: mac, sgiMac: mac, snat: { kind: 'nullable', of: ip } } },
    tunnels: {
      kind: 'object',
      fields: {
        udpSourcePort: port,
        s1u: { kind: 'object', fields: { uplinkTeid: teid, downlinkTeid: teid } },
        s5: { kind: 'object', fields: { uplinkTeid: teid, downlinkTeid: teid } },
        qfi: { kind: 'uint', max: 63 },
      },
    },
    // --- j-carriers: the carriers block (cross-key rules in carriers.ts checkCarriers) ---
    carriers: {
      kind: 'object',
      fields: {
        core: {
          kind: 'object',
          fields: {
            pop: { kind: 'enum', values: ['php', 'explicit-null'] },
            tc: { kind: 'nullable', of: { kind: 'uint', max: 7 } },
            routers: { kind: 'array', of: carrierRouter, maxItems: 8 },
            links: {
              kind: 'array',
              maxItems: 7,
              of: {
                kind: 'object',
                fields: {
                  uplinkLabel: { kind: 'nullable', of: mplsLabel },
                  downlinkLabel: { kind: 'nullable', of: mplsLabel },
                  delayMs: ms,
                },
              },
            },
          },
        },
        border: {
          kind: 'object',
          fields: {
            prefixLength: { kind: 'uint', min: 30, max: 31 },
            operatorIp: ip,
            carrierIp: ip,
            operatorAsn: asn,
            carrierAsn: asn,
            delayMs: ms,
          },
        },
        upstream: {
          kind: 'object',
          fields: {
            routers: {
              kind: 'array',
              maxItems: 2,
              of: { kind: 'object', fields: { ...carrierRouter.fields, delayMs: ms } },
            },
          },
        },
      },
    },
    // --- end j-carriers ---
    dcEdge: { kind: 'object', fields: { mac } },
    slb: {
      kind: 'object',
      fields: {
        vip: ip,
        port,
        hostIp: ip,
        hostMac: mac,
        gatewayMac: mac,
        vni: { kind: 'uint', max: 0xffffff },
      },
    },
    haproxy: {
      kind: 'object',
      fields: { vmIp: ip, vmMac: mac, port, hostIp: ip, hostMac: mac, backendSourcePort: port },
    },
    orderService: { kind: 'object', fields: { ip, mac, port } },
    delays: {
      kind: 'object',
      fields: {
        radioMs: ms,
        s1uMs: ms,
        s5Ms: ms,
        sgiMs: ms,
        dcEdgeMs: ms,
        vxlanMs: ms,
        backendMs: ms,
        orderServiceMs: ms,
      },
    },
    lessons: {
      kind: 'object',
      fields: {
        radioTailLoss: { kind: 'bool' },
        uplinkDrops: dropList,
        downlinkDrops: dropList,
        windowSqueeze: { kind: 'bool' },
        zeroWindow: { kind: 'bool' },
      },
    },
    tcp: {
      kind: 'object',
      fields: {
        seed: { kind: 'uint', max: 0xffffffff },
        congestionControl: { kind: 'enum', values: ['cubic', 'newreno'] },
      },
    },
    order: {
      kind: 'object',
      fields: {
        host: { kind: 'string', maxLength: 253, pattern: /^[A-Za-z0-9.-]+(:\d+)?$/ },
        idempotencyKey: { kind: 'string', maxLength: 128, pattern: /^[\x21-\x7e]+$/ },
        customerId: { kind: 'string', maxLength: 64, pattern: /^[A-Za-z0-9._-]+$/ },
        items: { kind: 'uint', min: 1, max: 2000 },
        firstOrderNumber: { kind: 'uint', min: 1, max: 999_999_999 },
      },
    },
    retry: {
      kind: 'object',
      fields: {
        enabled: { kind: 'bool' },
        break: { kind: 'enum', values: ['rst', 'timeout'] },
        timeoutMs: { kind: 'number', min: 100, max: 60_000 },
        backoffMs: ms,
      },
    },
    // --- j-dc: datacentre tiers and the database ---
    datacentre: {
      kind: 'object',
      fields: {
        bearerToken: token,
        controller: {
          kind: 'object',
          fields: { ...serviceFields, acceptedTokens: { kind: 'array', of: token, maxItems: 16 } },
        },
        composite: { kind: 'object', fields: { sourcePort: port } },
        inventory: { kind: 'object', fields: serviceFields },
        orders: { kind: 'object', fields: serviceFields },
        linkMs: ms,
        race: {
          kind: 'object',
          fields: {
            enabled: { kind: 'bool' },
            phoneIp: ip,
            bearerToken: token,
            idempotencyKey: { kind: 'string', maxLength: 64, pattern: /^[A-Za-z0-9._-]+$/ },
            customerId: { kind: 'string', maxLength: 64, pattern: /^[A-Za-z0-9._-]+$/ },
            offsetMs: { kind: 'number', min: 0.001, max: 60_000 },
          },
        },
      },
    },
    database: {
      kind: 'object',
      fields: {
        ip,
        mac,
        port,
        serverVersion: { kind: 'string', maxLength: 32, pattern: /^[0-9][A-Za-z0-9.-]*$/ },
        schema: { kind: 'string', maxLength: 64, pattern: /^[A-Za-z_][A-Za-z0-9_]*$/ },
        firstThreadId: { kind: 'uint', min: 1, max: 0xffff0000 },
        users: {
          kind: 'object',
          fields: { inventory: mysqlAccount, orders: mysqlAccount },
        },
        queryMs: ms,
        inventory: {
          kind: 'array',
          maxItems: 1000,
          of: {
            kind: 'object',
            fields: {
              sku: { kind: 'string', maxLength: 32, pattern: /^[A-Za-z0-9._-]+$/ },
              stock: { kind: 'uint', max: 1_000_000_000 },
              version: { kind: 'uint', max: 1_000_000_000 },
            },
          },
        },
      },
    },
    // --- end j-dc ---
    // --- j-setup: tunnel setup and name lookup ---
    mme: { kind: 'object', fields: { ip, mac, s11Teid: teid, sequence: seq24, recovery: counter8 } },
    sgwControl: {
      kind: 'object',
      fields: {
        s11Ip: ip,
        s11Mac: mac,
        s5cIp: ip,
        s5cMac: mac,
        s11Teid: teid,
        s5cTeid: teid,
        sequence: seq24,
        recovery: counter8,
      },
    },
    pgwControl: { kind: 'object', fields: { s5cIp: ip, s5cMac: mac, s5cTeid: teid, recovery: counter8 } },
    subscriber: {
      kind: 'object',
      fields: {
        imsi: digits(6, 15),
        msisdn: digits(1, 15),
        imei: digits(15, 15),
        apn: {
          kind: 'string',
          maxLength: 62,
          pattern: /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
        },
        mcc: digits(3, 3),
        mnc: digits(2, 3),
      },
    },
    tunnelSetup: {
      kind: 'object',
      fields: {
        ebi: { kind: 'uint', min: 5, max: 15 },
        qci: { kind: 'uint', min: 1, max: 255 },
        arpPriority: { kind: 'uint', min: 1, max: 15 },
        ambrUplinkKbps: kbps,
        ambrDownlinkKbps: kbps,
        s11Ms: ms,
        s5cMs: ms,
        nodeMs: ms,
        radioSetupMs: ms,
        queryAfterMs: ms,
      },
    },
    dns: {
      kind: 'object',
      fields: {
        resolver: ip,
        resolverMac: mac,
        otherVips: { kind: 'array', of: ip, maxItems: 7 },
        ttl: { kind: 'uint', max: 0x7fffffff },
        queryId: { kind: 'uint', max: 0xffff },
        phonePort: port,
        resolverMs: ms,
        answerMs: ms,
        connectAfterMs: ms,
      },
    },
    // --- end j-setup ---
  },
};

/** The built-in journey: what `npm start` and `pktcraft journey` use, and `--print-config` prints. */
export function defaultJourneyConfig(): JourneyConfig {
  return {
    name: 'order-journey',
    mode: '4g',
    startTime: 1700000000,
    https: true,
    phone: { ip: '198.51.100.23', port: 45678, mtu: 1400, receiveWindow: 65535, ttl: 64 },
    enodeb: { ip: '192.0.2.1', mac: '02:00:00:00:01:01' },
    sgw: { s1uIp: '192.0.2.2', s1uMac: '02:00:00:00:02:01', s5Ip: '192.0.2.5', s5Mac: '02:00:00:00:02:02' },
    pgw: { ip: '192.0.2.6', s5Mac: '02:00:00:00:03:01', sgiMac: '02:00:00:00:03:02', snat: null },
    tunnels: {
      udpSourcePort: 2152,
      s1u: { uplinkTeid: 0x1a2b3c4d, downlinkTeid: 0x0e0b1001 },
      s5: { uplinkTeid: 0x2b3c4d5e, downlinkTeid: 0x5e0b2002 },
      qfi: 9,
    },
    // --- j-carriers: default carriers (labels 16010.. uplink, 24010.. downlink; AS 64500/64510 from RFC 5398) ---
    carriers: {
      core: {
        pop: 'php',
        tc: null,
        routers: [
          { name: 'pe1', mac: '02:00:00:00:21:01' },
          { name: 'p1', mac: '02:00:00:00:22:01' },
          { name: 'p2', mac: '02:00:00:00:23:01' },
          { name: 'pe2', mac: '02:00:00:00:24:01' },
        ],
        links: [
          { uplinkLabel: 16010, downlinkLabel: null, delayMs: 2 },
          { uplinkLabel: 16020, downlinkLabel: 24020, delayMs: 3 },
          { uplinkLabel: null, downlinkLabel: 24030, delayMs: 1 },
        ],
      },
      border: {
        prefixLength: 31,
        operatorIp: '203.0.113.200',
        carrierIp: '203.0.113.201',
        operatorAsn: 64500,
        carrierAsn: 64510,
        delayMs: 0.5,
      },
      upstream: {
        routers: [
          { name: 'br1', mac: '02:00:00:00:31:01', delayMs: 1.5 },
          { name: 'cr1', mac: '02:00:00:00:32:01', delayMs: 1 },
        ],
      },
    },
    // --- end j-carriers ---
    dcEdge: { mac: '02:00:00:00:0e:01' },
    slb: {
      vip: '203.0.113.10',
      port: 8000,
      hostIp: '192.0.2.65',
      hostMac: '02:00:00:00:0b:01',
      gatewayMac: '02:00:00:00:0c:01',
      vni: 7001,
    },
    haproxy: {
      vmIp: '192.0.2.130',
      vmMac: '02:00:00:00:0d:01',
      port: 8000,
      hostIp: '192.0.2.66',
      hostMac: '02:00:00:00:0b:02',
      backendSourcePort: 40001,
    },
    orderService: { ip: '192.0.2.140', mac: '02:00:00:00:0d:02', port: 8001 },
    delays: {
      radioMs: 10,
      s1uMs: 1,
      s5Ms: 2,
      sgiMs: 0.5,
      dcEdgeMs: 0.5,
      vxlanMs: 0.2,
      backendMs: 0.2,
      orderServiceMs: 4,
    },
    lessons: {
      radioTailLoss: true,
      uplinkDrops: [],
      downlinkDrops: [],
      windowSqueeze: true,
      zeroWindow: false,
    },
    tcp: { seed: 1, congestionControl: 'cubic' },
    order: {
      host: 'shop.example',
      idempotencyKey: '5f2b8c1e-7d4a-4e3b-9a61-0c8d2e4f6a17',
      customerId: 'c-1042',
      items: 64,
      firstOrderNumber: 100017,
    },
    retry: { enabled: false, break: 'rst', timeoutMs: 3000, backoffMs: 500 },
    // --- j-dc: datacentre tiers and the database ---
    datacentre: {
      bearerToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjLTEwNDIifQ.c2hvcC1hcHAtdG9rZW4',
      controller: {
        ip: '192.0.2.135',
        mac: '02:00:00:00:0d:03',
        port: 8002,
        sourcePort: 41001,
        processingMs: 0.4,
        acceptedTokens: [
          'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjLTEwNDIifQ.c2hvcC1hcHAtdG9rZW4',
          'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjLTIwMDcifQ.c2Vjb25kLXBob25l',
        ],
      },
      composite: { sourcePort: 42001 },
      inventory: {
        ip: '192.0.2.141',
        mac: '02:00:00:00:0d:04',
        port: 8003,
        sourcePort: 43001,
        processingMs: 0.3,
      },
      orders: {
        ip: '192.0.2.142',
        mac: '02:00:00:00:0d:05',
        port: 8005,
        sourcePort: 44001,
        processingMs: 0.3,
      },
      linkMs: 0.1,
      race: {
        enabled: false,
        phoneIp: '198.51.100.24',
        bearerToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjLTIwMDcifQ.c2Vjb25kLXBob25l',
        idempotencyKey: '9c41e7d2-3b5a-4f60-8e2d-71a9b0c3d548',
        customerId: 'c-2007',
        offsetMs: 0.3,
      },
    },
    database: {
      ip: '192.0.2.150',
      mac: '02:00:00:00:0d:06',
      port: 3306,
      serverVersion: '8.0.36',
      schema: 'shop',
      firstThreadId: 31,
      users: {
        inventory: { user: 'inventory_svc', password: 'inv-Secret-1' },
        orders: { user: 'orders_svc', password: 'ord-Secret-2' },
      },
      queryMs: 0.2,
      inventory: [
        { sku: 'SKU-010037', stock: 42, version: 7 },
        { sku: 'SKU-010074', stock: 15, version: 3 },
        { sku: 'SKU-010111', stock: 0, version: 12 },
      ],
    },
    // --- end j-dc ---
    // --- j-setup: tunnel setup and name lookup ---
    mme: { ip: '192.0.2.9', mac: '02:00:00:00:04:01', s11Teid: 0x4d000011, sequence: 0x000a01, recovery: 7 },
    sgwControl: {
      s11Ip: '192.0.2.10',
      s11Mac: '02:00:00:00:02:03',
      s5cIp: '192.0.2.13',
      s5cMac: '02:00:00:00:02:04',
      s11Teid: 0x5a000011,
      s5cTeid: 0x5a000055,
      sequence: 0x000501,
      recovery: 3,
    },
    pgwControl: { s5cIp: '192.0.2.14', s5cMac: '02:00:00:00:03:03', s5cTeid: 0x6b000055, recovery: 12 },
    subscriber: {
      imsi: '001010123456789',
      msisdn: '15551234567',
      imei: '358421112223330',
      apn: 'internet',
      mcc: '001',
      mnc: '01',
    },
    tunnelSetup: {
      ebi: 5,
      qci: 9,
      arpPriority: 9,
      ambrUplinkKbps: 50_000,
      ambrDownlinkKbps: 150_000,
      s11Ms: 0.5,
      s5cMs: 2,
      nodeMs: 1,
      radioSetupMs: 30,
      queryAfterMs: 50,
    },
    dns: {
      resolver: '203.0.113.53',
      resolverMac: '02:00:00:00:05:01',
      otherVips: ['203.0.113.11', '203.0.113.12'],
      ttl: 300,
      queryId: 0x4f2a,
      phonePort: 51515,
      resolverMs: 0.3,
      answerMs: 0.4,
      connectAfterMs: 2,
    },
    // --- end j-setup ---
  };
}

/**
 * Merges a parsed config file over the defaults and validates the result; throws FieldError naming
 * the bad key (`config.slb.vni: must be an integer from 0 to 16777215, got 99999999`).
 */
export function resolveJourneyConfig(file: unknown = {}): JourneyConfig {
  if (typeof file !== 'object' || file === null || Array.isArray(file)) {
    throw new FieldError('config', '(root)', 'must be a JSON object');
  }
  const merged = mergeOver(defaultJourneyConfig(), file);
  validate(merged, JOURNEY_SCHEMA);
  const config = merged as JourneyConfig;
  checkConsistency(config);
  return config;
}

/** Rules that span several keys. */
function checkConsistency(config: JourneyConfig): void {
  // --- j-dc: the reserved SKU must be in the inventory table ---
  const reserved = firstLineSku();
  if (!config.database.inventory.some((row) => row.sku === reserved)) {
    throw new FieldError(
      'config',
      'database.inventory',
      `must have a row for ${reserved} (the SKU of the order's first line, which the order reserves)`,
    );
  }
  // --- end j-dc ---
  const { s1u, s5 } = config.tunnels;
  if (s1u.uplinkTeid === s1u.downlinkTeid) {
    throw new FieldError(
      'config',
      'tunnels.s1u.downlinkTeid',
      'must differ from tunnels.s1u.uplinkTeid (each end assigns its own TEID)',
    );
  }
  if (s5.uplinkTeid === s5.downlinkTeid) {
    throw new FieldError(
      'config',
      'tunnels.s5.downlinkTeid',
      'must differ from tunnels.s5.uplinkTeid (each end assigns its own TEID)',
    );
  }
  // --- j-carriers: carrier rules and the TTL budget ---
  checkCarriers(config);
  // The PGW, every carrier router and the DC edge router each take one off the phone's TTL.
  const routers = 2 + config.carriers.core.routers.length + config.carriers.upstream.routers.length;
  if (config.phone.ttl <= routers) {
    throw new FieldError(
      'config',
      'phone.ttl',
      `must be more than the ${routers} routers on the path (the packet would expire), got ${config.phone.ttl}`,
    );
  }
  // --- end j-carriers ---
  // --- j-setup: rules of the setup blocks ---
  checkSetupConsistency(config);
  // --- end j-setup ---
}

// --- j-dc: the SKU the order reserves ---
/** The SKU of the order's first line (order-service.ts's rule for line 1), the one unit the inventory reserves. */
export function firstLineSku(): string {
  return `SKU-${(10000 + 37).toString().padStart(6, '0')}`;
}
// --- end j-dc ---
