//! `puzi demo --lan`: the addresses phones on the same network can open the shop at (one
//! per interface, IPv4 first; the choice is a pure function over the interfaces it is
//! given, `lan_urls`), and a QR code of the first drawn in the terminal with Unicode half
//! blocks (`terminal_qr`), light modules as glyphs so it reads on a dark terminal.

use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};
use std::net::{IpAddr, SocketAddr};

/// One address of a network interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Iface {
    pub name: String,
    pub ip: IpAddr,
}

/// A URL a phone on the LAN can open, and the interface it goes through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LanUrl {
    pub iface: String,
    pub url: String,
}

/// Whether another machine could reach this address: not loopback, unspecified,
/// multicast or link-local (which needs a zone a browser URL cannot carry).
fn reachable(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback() || v4.is_unspecified() || v4.is_link_local() || v4.is_multicast())
        }
        IpAddr::V6(v6) => {
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unicast_link_local())
        }
    }
}

/// The URLs a shop listening on `bound` can be reached at from the LAN: one per interface
/// (its first IPv4 address, else its first IPv6 one), IPv4 first, interfaces in the order
/// given. A shop bound to `0.0.0.0` answers IPv4 only; one bound to a single address answers
/// there only.
pub fn lan_urls(bound: SocketAddr, scheme: &str, ifaces: &[Iface]) -> Vec<LanUrl> {
    let accepts = |ip: IpAddr| match bound.ip() {
        IpAddr::V4(b) if b.is_unspecified() => ip.is_ipv4(),
        IpAddr::V6(b) if b.is_unspecified() => true,
        b => ip == b,
    };
    let mut names: Vec<&str> = Vec::new();
    for i in ifaces {
        if !names.contains(&i.name.as_str()) {
            names.push(&i.name);
        }
    }
    let mut picked: Vec<(&str, IpAddr)> = names
        .into_iter()
        .filter_map(|name| {
            let usable = || {
                ifaces
                    .iter()
                    .filter(move |i| i.name == name && reachable(i.ip) && accepts(i.ip))
            };
            let ip = usable()
                .find(|i| i.ip.is_ipv4())
                .or_else(|| usable().next())?
                .ip;
            Some((name, ip))
        })
        .collect();
    // Stable: interfaces keep their order within each family.
    picked.sort_by_key(|(_, ip)| ip.is_ipv6());
    picked
        .into_iter()
        .map(|(name, ip)| LanUrl {
            iface: name.to_string(),
            url: format!("{scheme}://{}", SocketAddr::new(ip, bound.port())),
        })
        .collect()
}

/// This machine's interfaces and their addresses.
pub fn system_interfaces() -> Vec<Iface> {
    if_addrs::get_if_addrs()
        .map(|v| {
            v.into_iter()
                .map(|i| Iface {
                    ip: i.ip(),
                    name: i.name,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The QR code of `data` as lines of Unicode half blocks, two modules a character row,
/// with its quiet zone: a block is a light module, a space a dark one.
pub fn terminal_qr(data: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(name: &str, ip: &str) -> Iface {
        Iface {
            name: name.into(),
            ip: ip.parse().unwrap(),
        }
    }

    fn machine() -> Vec<Iface> {
        vec![
            i("lo", "127.0.0.1"),
            i("lo", "::1"),
            i("wlp2s0", "fe80::1c2b:3aff:fe4d:5e6f"),
            i("wlp2s0", "2408:8207:1234::42"),
            i("wlp2s0", "192.168.1.23"),
            i("wlp2s0", "192.168.1.99"),
            i("v6only", "fd00::7"),
            i("v6only", "fe80::7"),
            i("enp3s0", "10.0.0.5"),
            i("docker0", "172.17.0.1"),
            i("autoconf", "169.254.3.4"),
        ]
    }

    fn urls(bound: &str, ifaces: &[Iface]) -> Vec<(String, String)> {
        lan_urls(bound.parse().unwrap(), "http", ifaces)
            .into_iter()
            .map(|u| (u.iface, u.url))
            .collect()
    }

    #[test]
    fn one_address_per_interface_ipv4_first_on_all_interfaces() {
        let want = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            urls("[::]:8080", &machine()),
            want(&[
                ("wlp2s0", "http://192.168.1.23:8080"),
                ("enp3s0", "http://10.0.0.5:8080"),
                ("docker0", "http://172.17.0.1:8080"),
                ("v6only", "http://[fd00::7]:8080"),
            ])
        );
        // 0.0.0.0 answers IPv4 only.
        assert_eq!(
            urls("0.0.0.0:8080", &machine()),
            want(&[
                ("wlp2s0", "http://192.168.1.23:8080"),
                ("enp3s0", "http://10.0.0.5:8080"),
                ("docker0", "http://172.17.0.1:8080"),
            ])
        );
        // Bound to one address: that one only.
        assert_eq!(
            urls("10.0.0.5:9000", &machine()),
            want(&[("enp3s0", "http://10.0.0.5:9000")])
        );
    }

    #[test]
    fn a_machine_with_loopback_only_has_no_lan_address() {
        let lo = [i("lo", "127.0.0.1"), i("lo", "::1")];
        assert!(urls("0.0.0.0:8080", &lo).is_empty());
        assert!(urls("[::]:8080", &lo).is_empty());
    }

    #[test]
    fn the_terminal_qr_is_half_blocks() {
        let q = terminal_qr("http://192.168.1.23:8080").unwrap();
        assert!(q.lines().count() > 10);
        assert!(q.chars().all(|c| matches!(c, '█' | '▀' | '▄' | ' ' | '\n')));
    }
}
