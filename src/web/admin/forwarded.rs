//! The client address of a request: the TCP peer's, unless the peer is a trusted proxy
//! (`server.trusted_proxies`); then the right-most address of the configured forwarding header
//! (`server.forwarded_header`: `X-Forwarded-For` or `Forwarded`, only that one) that is not
//! itself a trusted proxy. The other header is ignored: a proxy that sets one passes a client's
//! own copy of the other through, so reading it would let any client choose its address.

use crate::settings::{Cidr, ForwardedHeader};
use actix_web::http::header::{HeaderMap, HeaderName, FORWARDED};
use actix_web::HttpRequest;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The client address of `req` with these proxies trusted, naming the client in `header`
/// (the unspecified address when the peer is unknown, as in some tests).
pub fn client(req: &HttpRequest, trusted: &[Cidr], header: ForwardedHeader) -> IpAddr {
    let peer = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    if !is_trusted(trusted, peer) {
        return peer;
    }
    pick(peer, &chain(req.headers(), header), trusted)
}

/// The hops `header` lists, nearest last (`None` for one that cannot be read).
fn chain(headers: &HeaderMap, header: ForwardedHeader) -> Vec<Option<IpAddr>> {
    let (name, read): (HeaderName, fn(&str) -> Option<IpAddr>) = match header {
        ForwardedHeader::XForwardedFor => (HeaderName::from_static("x-forwarded-for"), address),
        ForwardedHeader::Forwarded => (FORWARDED, forwarded_for),
    };
    values(headers, &name)
        .iter()
        .flat_map(|v| v.split(','))
        .map(read)
        .collect()
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
    fn only_the_configured_header_is_read() {
        let mut headers = HeaderMap::new();
        let xff = HeaderName::from_static("x-forwarded-for");
        headers.insert(xff, "1.1.1.1, 2.2.2.2".parse().expect("value"));
        headers.insert(FORWARDED, "for=3.3.3.3".parse().expect("value"));
        let xff = chain(&headers, ForwardedHeader::XForwardedFor);
        assert_eq!(xff, [Some(ip("1.1.1.1")), Some(ip("2.2.2.2"))]);
        let forwarded = chain(&headers, ForwardedHeader::Forwarded);
        assert_eq!(forwarded, [Some(ip("3.3.3.3"))]);
        assert!(chain(&HeaderMap::new(), ForwardedHeader::Forwarded).is_empty());
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
