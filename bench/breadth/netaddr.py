"""IP addresses in every written form (RFC 4291 section 2.2 text forms, RFC 5952
canonical compression, RFC 6052 IPv4-embedded, RFC 4007 zone ids, RFC 3986 brackets
with ports, RFC 4632 CIDR), produced by Python's `ipaddress` module, not by our rules;
and the hard negatives written next to them in real tables: 4-part version strings in
version/firmware/build columns or after v/release, OIDs, section numbers."""

import ipaddress


def public_v4(r):
    while True:
        a = ipaddress.IPv4Address(r.getrandbits(32))
        if a.is_global and a.packed[0] >= 32:
            return a


def v6(r):
    # Global unicast 2000::/3 with a run of zero groups half of the time, so that the
    # compressed form (RFC 5952) has a `::` somewhere.
    groups = [r.getrandbits(16) for _ in range(8)]
    groups[0] = 0x2000 | r.getrandbits(12)
    if r.random() < 0.5:
        i = r.randint(2, 6)
        for k in range(i, min(8, i + r.randint(2, 3))):
            groups[k] = 0
    return ipaddress.IPv6Address(":".join(f"{g:x}" for g in groups))


def positives(r):
    """(family, value, column)"""
    out = []
    for _ in range(40):
        a = public_v4(r)
        out += [
            ("ipv4", str(a), "value"),
            ("ipv4_in_text", f"login succeeded user=412 client {a} connected", "log"),
            ("ipv4_port", f"{a}:{r.randint(1024, 65535)}", "endpoint"),
            ("ipv4_cidr", f"{ipaddress.IPv4Network((int(a) & 0xFFFFFF00, 24))}", "allowed_range"),
            ("ipv4_small_cidr", f"10.{r.randint(0, 31)}.0.0/16", "subnet"),
            ("ipv4_forwarded", f"X-Forwarded-For: {a}, {public_v4(r)}", "headers"),
        ]
        b = v6(r)
        low = ipaddress.IPv6Address((0xFE80 << 112) | r.getrandbits(64))
        v4 = public_v4(r)
        out += [
            ("ipv6_compressed", b.compressed, "value"),
            ("ipv6_full", b.exploded, "value"),
            ("ipv6_full_decimal_digits", ":".join(f"{r.randint(1000, 9999)}" if k in (0, 7) or r.random() < 0.5 else "0000" for k in range(8)), "value"),
            ("ipv6_upper", b.compressed.upper(), "remote_addr"),
            ("ipv6_zone", f"{low.compressed}%eth{r.randint(0, 3)}", "value"),
            ("ipv6_zone_url", f"http://[{low.compressed}%25en0]:8080/status", "url"),
            ("ipv6_bracket_port", f"[{b.compressed}]:{r.randint(1024, 65535)}", "endpoint"),
            ("ipv6_url", f"https://[{b.compressed}]/api/v1", "url"),
            ("ipv6_cidr", str(ipaddress.IPv6Network((int(b) >> 64 << 64, 64))), "prefix"),
            ("ipv6_mapped", f"::ffff:{v4}", "client_ip"),
            ("ipv6_embedded", f"64:ff9b::{v4}", "value"),
            ("ipv6_in_text", f"connection from {b.compressed} port 22 accepted", "log"),
        ]
    return out


def negatives(r):
    """(family, value, column): values that must not be pii.ip_address."""
    out = []
    for _ in range(40):
        ver = f"{r.randint(1, 20)}.{r.randint(0, 40)}.{r.randint(0, 60)}.{r.randint(0, 250)}"
        out += [
            ("version_column", ver, r.choice(["version", "app_version", "firmware_version", "build", "os_version", "fw"])),
            ("version_after_v", f"upgraded to v{ver} last night", "notes"),
            ("version_after_release", f"release {ver} shipped", "notes"),
            ("oid", "1.3.6.1.4.1." + ".".join(str(r.randint(1, 400)) for _ in range(r.randint(2, 5))), "oid"),
            ("oid_short", f"2.5.{r.randint(4, 29)}.{r.randint(1, 30)}", "attribute_oid"),
            ("section_number", f"see section {r.randint(1, 20)}.{r.randint(1, 30)}.{r.randint(1, 9)}.{r.randint(1, 9)}", "notes"),
            ("time", f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}", "value"),
            ("mac", ":".join(f"{r.getrandbits(8):02X}" for _ in range(6)), "value"),
            ("decimal", f"{r.randint(0, 999)}.{r.randint(0, 99999)}", "value"),
            ("date_dotted", f"{r.randint(1, 28):02d}.{r.randint(1, 12):02d}.{r.randint(1990, 2030)}", "value"),
        ]
    return out
