import { isIPv4, isIPv6 } from "node:net";

/**
 * Why an address may not be reached by an http step (SSRF guard). Names are shown to people in the
 * refusal message, so they say what the range is, not its RFC number.
 */
export type AddressClass =
  | "invalid"
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "metadata"
  | "cgnat"
  | "multicast"
  | "reserved";

type Ipv4Rule = { base: number; bits: number; cls: AddressClass };

const v4 = (dotted: string): number => {
  const parts = dotted.split(".").map(Number);
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
};

// Order matters: the first match names the class, so the narrow metadata rule precedes link-local.
const IPV4_RULES: readonly Ipv4Rule[] = [
  { base: v4("169.254.169.254"), bits: 32, cls: "metadata" },
  { base: v4("0.0.0.0"), bits: 32, cls: "unspecified" },
  { base: v4("0.0.0.0"), bits: 8, cls: "reserved" }, // "this network": Linux connects it to localhost
  { base: v4("10.0.0.0"), bits: 8, cls: "private" },
  { base: v4("100.64.0.0"), bits: 10, cls: "cgnat" }, // also hosts Alibaba's 100.100.100.200 metadata
  { base: v4("127.0.0.0"), bits: 8, cls: "loopback" },
  { base: v4("169.254.0.0"), bits: 16, cls: "link-local" },
  { base: v4("172.16.0.0"), bits: 12, cls: "private" },
  { base: v4("192.0.0.0"), bits: 24, cls: "reserved" }, // IETF assignments (some clouds put metadata there)
  { base: v4("192.168.0.0"), bits: 16, cls: "private" },
  { base: v4("198.18.0.0"), bits: 15, cls: "reserved" }, // benchmarking, never on the internet
  { base: v4("224.0.0.0"), bits: 4, cls: "multicast" },
  { base: v4("240.0.0.0"), bits: 4, cls: "reserved" }, // includes 255.255.255.255
];

function classifyIpv4(n: number): AddressClass | undefined {
  for (const rule of IPV4_RULES) {
    const mask = rule.bits === 0 ? 0 : (0xffffffff << (32 - rule.bits)) >>> 0;
    if ((n & mask) >>> 0 === (rule.base & mask) >>> 0) return rule.cls;
  }
  return undefined;
}

/** Eight 16-bit groups of an IPv6 literal (zone id dropped, embedded dotted quad expanded). */
function ipv6Groups(text: string): number[] | undefined {
  const address = text.split("%")[0] ?? "";
  let head = address;
  const tail: number[] = [];
  const lastColon = address.lastIndexOf(":");
  const last = address.slice(lastColon + 1);
  if (last.includes(".")) {
    if (!isIPv4(last)) return undefined;
    const n = v4(last);
    tail.push(n >>> 16, n & 0xffff);
    head = address.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::"; "::ffff:1.2.3.4" leaves "::ffff:" -> drop the dangling colon.
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const parseGroups = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const left = parseGroups(halves[0] ?? "");
  const right = halves.length === 2 ? parseGroups(halves[1] ?? "") : [];
  const missing = 8 - left.length - right.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...left, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...right, ...tail];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return undefined;
  return groups;
}

const g = (groups: readonly number[], i: number) => groups[i] ?? 0;
const embeddedV4 = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

function classifyIpv6(groups: readonly number[]): AddressClass | undefined {
  const firstSixZero = [0, 1, 2, 3, 4, 5].every((i) => g(groups, i) === 0);
  if (firstSixZero && g(groups, 6) === 0 && g(groups, 7) === 0) return "unspecified";
  if (firstSixZero && g(groups, 6) === 0 && g(groups, 7) === 1) return "loopback";
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the kernel may route them to the
  // embedded IPv4 address, so they are judged by it.
  const mapped = [0, 1, 2, 3, 4].every((i) => g(groups, i) === 0) && g(groups, 5) === 0xffff;
  if (mapped || firstSixZero) return classifyIpv4(embeddedV4(g(groups, 6), g(groups, 7)));
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) also carry an IPv4 address that a gateway reaches.
  if (g(groups, 0) === 0x64 && g(groups, 1) === 0xff9b && [2, 3, 4, 5].every((i) => g(groups, i) === 0)) {
    return classifyIpv4(embeddedV4(g(groups, 6), g(groups, 7)));
  }
  if (g(groups, 0) === 0x2002) {
    const cls = classifyIpv4(embeddedV4(g(groups, 1), g(groups, 2)));
    if (cls !== undefined) return cls;
  }
  const ec2Metadata = [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254];
  if (ec2Metadata.every((v, i) => g(groups, i) === v)) return "metadata";
  const first = g(groups, 0);
  if ((first & 0xfe00) === 0xfc00) return "private"; // fc00::/7 unique local
  if ((first & 0xffc0) === 0xfe80) return "link-local"; // fe80::/10
  if ((first & 0xffc0) === 0xfec0) return "private"; // fec0::/10 site-local (deprecated, still routed by some)
  if ((first & 0xff00) === 0xff00) return "multicast";
  if (first === 0x0100 && [1, 2, 3].every((i) => g(groups, i) === 0)) return "reserved"; // 100::/64 discard
  return undefined;
}

/**
 * The class of an IP address that http steps must not reach (private, loopback, link-local,
 * metadata, CGNAT, unspecified, multicast, reserved; IPv4-mapped/compatible, NAT64 and 6to4 IPv6
 * forms are judged by their embedded IPv4 address), or `undefined` for a public address.
 * A string that is not an IP literal is "invalid" (and so refused): callers pass resolved addresses.
 */
export function classifyAddress(ip: string): AddressClass | undefined {
  const bare = ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  if (isIPv4(bare)) return classifyIpv4(v4(bare));
  if (isIPv6(bare)) {
    const groups = ipv6Groups(bare);
    return groups === undefined ? "invalid" : classifyIpv6(groups);
  }
  return "invalid";
}

/** True when an http step may not connect to `ip` unless its host is allow-listed. Pure. */
export function isForbiddenAddress(ip: string): boolean {
  return classifyAddress(ip) !== undefined;
}
