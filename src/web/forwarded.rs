//! The client address of a request: the TCP peer's, unless the peer is a trusted proxy
//! (`server.trusted_proxies`); then the right-most address of `Forwarded` (or, without it,
//! `X-Forwarded-For`) that is not itself a trusted proxy.

use crate::settings::Cidr;
use actix_web::http::header::{HeaderMap, HeaderName};
use actix_web::HttpRequest;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The client address of `req` with these proxies trusted (the unspecified address when the
/// peer is unknown, as in some tests).
pub fn client(req: &HttpRequest, trusted: &[Cidr]) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    if !is_trusted(trusted, peer) {
        return peer;
    }
    let forwarded = values(req.headers(), &actix_web::http::header::FORWARDED);
    let chain: Vec<Option<IpAddr>> = if forwarded.is_empty() {
        let xff = HeaderName::from_static("x-forwarded-for");
        let listed = values(req.headers(), &xff);
        listed
            .iter()
            .flat_map(|v| v.split(','))
            .map(address)
            .collect()
    } else {
        forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(forwarded_for)
            .collect()
    };
    pick(peer, &chain, trusted)
}

fn is_trusted(trusted: &[Cidr], ip: IpAddr) -> bool {
    trusted.iter().any(|c| c.contains(ip))
}

fn values<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Vec<&'a str> {
    let all = headers.get_all(name);
    all.filter_map(|v| v.to_str().ok()).collect()
}

/// The client in a chain of hops, nearest last, given through the trusted `peer`: walking from
/// the right, the first address that is not a trusted proxy; a hop that cannot be read stops
/// the walk at the last proxy that named it; all trusted: the left-most.
pub fn pick(peer: IpAddr, chain: &[Option<IpAddr>], trusted: &[Cidr]) -> IpAddr {
    let mut client = peer;
    for hop in chain.iter().rev() {
        let Some(hop) = *hop else {
            return client;
        };
        client = hop;
        if !is_trusted(trusted, hop) {
            return hop;
        }
    }
    client
}

/// An address as `X-Forwarded-For` gives it (`1.2.3.4`, `::1`, `[::1]:80`, `1.2.3.4:80`).
fn address(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| text.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

/// The `for=` address of one `Forwarded` element (`for=1.2.3.4;proto=https`).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    let pairs = element.split(';').filter_map(|pair| pair.split_once('='));
    let mut found = pairs.filter(|(k, _)| k.trim().eq_ignore_ascii_case("for"));
    address(found.next()?.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    fn trusted() -> Vec<Cidr> {
        ["127.0.0.1", "10.0.0.0/8"]
            .iter()
            .filter_map(|t| Cidr::parse(t))
            .collect()
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let peer = ip("127.0.0.1");
        let chain = |hops: &[&str]| hops.iter().map(|h| address(h)).collect::<Vec<_>>();
        let t = trusted();
        assert_eq!(
            pick(peer, &chain(&["1.1.1.1", "2.2.2.2", "10.0.0.9"]), &t),
            ip("2.2.2.2")
        );
        assert_eq!(
            pick(peer, &chain(&["10.0.0.8", "10.0.0.9"]), &t),
            ip("10.0.0.8")
        );
        assert_eq!(pick(peer, &chain(&[]), &t), peer);
        assert_eq!(
            pick(peer, &chain(&["2.2.2.2", "junk", "10.0.0.9"]), &t),
            ip("10.0.0.9")
        );
        assert_eq!(pick(peer, &chain(&["junk"]), &t), peer);
    }

    #[test]
    fn addresses_are_read_in_every_form_proxies_write() {
        assert_eq!(address(" 1.2.3.4 "), Some(ip("1.2.3.4")));
        assert_eq!(address("1.2.3.4:8080"), Some(ip("1.2.3.4")));
        assert_eq!(address("\"[2001:db8::1]:443\""), Some(ip("2001:db8::1")));
        assert_eq!(address("[2001:db8::1]"), Some(ip("2001:db8::1")));
        assert_eq!(address("unknown"), None);
        assert_eq!(
            forwarded_for("for=192.0.2.60;proto=http;by=203.0.113.43"),
            Some(ip("192.0.2.60"))
        );
        assert_eq!(
            forwarded_for("proto=https; For=\"[2001:db8:cafe::17]:4711\""),
            Some(ip("2001:db8:cafe::17"))
        );
        assert_eq!(forwarded_for("for=_hidden"), None);
        assert_eq!(forwarded_for("proto=https"), None);
    }
}
