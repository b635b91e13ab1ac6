//! Who is on the other end: the client's address, for the throttles. The peer of the
//! connection, unless that peer is a configured reverse proxy, in which case the last
//! `X-Forwarded-For` address that is not one of the proxies (the earlier ones are whatever
//! the client chose to send).
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::startup::AppState;

/// The client's address. Without connection information (a router driven in-process),
/// `0.0.0.0`: all such callers share one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(ClientAddress(client_address(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

/// The client behind `peer`, trusting `X-Forwarded-For` only as far as `proxies` go.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, proxies: &[IpAddr]) -> IpAddr {
    if !proxies.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !proxies.contains(a))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn only_a_trusted_proxy_may_name_the_client() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        // Not from a proxy: the header is the client's own claim and is ignored.
        assert_eq!(
            client_address(stranger, &xff("203.0.113.7"), &[proxy]),
            stranger
        );
        // From the proxy: the last address it appended.
        assert_eq!(
            client_address(proxy, &xff("1.2.3.4, 203.0.113.7"), &[proxy]),
            client
        );
        // Chained proxies are skipped; garbage is ignored.
        let inner: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(
            client_address(
                proxy,
                &xff("nonsense, 203.0.113.7, 10.0.0.2"),
                &[proxy, inner]
            ),
            client
        );
        // A proxy that sent no header stands for itself.
        assert_eq!(client_address(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }
}
