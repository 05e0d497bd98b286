//! A minimal blocking HTTP/1.0 GET to 127.0.0.1 (the harness's only client needs: `/healthz`,
//! `/metrics` and body sizes). HTTP/1.0 keeps it simple: no chunked encoding, the server
//! closes the connection after the body.

use crate::Result;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// A response: status and body bytes.
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Body as received (compressed if the server compressed it).
    pub body: Vec<u8>,
}

/// `GET path` on 127.0.0.1:`port` with extra `headers`, within `timeout` per socket operation.
pub fn get(port: u16, path: &str, headers: &[(&str, &str)], timeout: Duration) -> Result<Response> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let what = |e: std::io::Error| format!("GET http://{addr}{path}: {e}");
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(what)?;
    stream.set_read_timeout(Some(timeout)).map_err(what)?;
    stream.set_write_timeout(Some(timeout)).map_err(what)?;
    let mut request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).map_err(what)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(what)?;
    parse(&raw).map_err(|e| format!("GET http://{addr}{path}: {e}"))
}

fn parse(raw: &[u8]) -> Result<Response> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("response without a header end")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let status_line = head.lines().next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    Ok(Response {
        status,
        body: raw[end + 4..].to_vec(),
    })
}
