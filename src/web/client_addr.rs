//! Who is calling, by network address: the connection's peer, or, when the peer is one of the
//! `trusted_proxies`, the client it names in `X-Forwarded-For`. Only a keyed hash of the
//! address is ever stored (login throttling, the public form's limits), never the address.

use super::SharedState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// The caller's address as a keyed hash ("unknown" hashed when there is no connection, as in
/// tests that call the router directly).
pub struct ClientKey(pub String);

impl FromRequestParts<SharedState> for ClientKey {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        s: &SharedState,
    ) -> Result<Self, std::convert::Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let ip = client_ip(peer, &parts.headers, &s.settings.trusted_proxies);
        let network = ip.map_or_else(|| "unknown".to_string(), network_of);
        Ok(ClientKey(s.keys.match_hash(&format!("ip:{network}"))))
    }
}

/// The client's address. `X-Forwarded-For` lists the addresses a request passed, each proxy
/// appending the one it heard from: read from the right, the first address that is not a
/// trusted proxy is the client. From an untrusted peer the header is not read at all.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let listed: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map_while(|a| a.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        .collect();
    Some(
        listed
            .iter()
            .rev()
            .find(|ip| !is_trusted(ip))
            .or(listed.first())
            .copied()
            .unwrap_or(peer),
    )
}

/// IPv6 addresses count by their /64 network, which one household or phone gets.
pub fn network_of(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let trusted: Vec<IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
        let h = headers("203.0.113.9, 198.51.100.7");
        // Untrusted peer: its own address, whatever it claims.
        let stranger: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(client_ip(Some(stranger), &h, &trusted), Some(stranger));
        assert_eq!(client_ip(Some(proxy), &h, &[]), Some(proxy));
        // Trusted: the right-most address that is not a proxy.
        assert_eq!(
            client_ip(Some(proxy), &h, &trusted),
            Some("198.51.100.7".parse().unwrap())
        );
        let h = headers("203.0.113.9, 10.0.0.5");
        assert_eq!(
            client_ip(Some(proxy), &h, &trusted),
            Some("203.0.113.9".parse().unwrap())
        );
        // No header, or nothing readable in it: the peer.
        assert_eq!(
            client_ip(Some(proxy), &HeaderMap::new(), &trusted),
            Some(proxy)
        );
        assert_eq!(
            client_ip(Some(proxy), &headers("rác"), &trusted),
            Some(proxy)
        );
        assert_eq!(client_ip(None, &h, &trusted), None);
    }

    #[test]
    fn ipv6_counts_by_its_network() {
        assert_eq!(
            network_of("2001:db8:1:2:aaaa::1".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            network_of("2001:db8:1:2:aaaa::1".parse().unwrap()),
            network_of("2001:db8:1:2:ffff::2".parse().unwrap())
        );
        assert_eq!(network_of("::ffff:192.0.2.1".parse().unwrap()), "192.0.2.1");
    }
}
