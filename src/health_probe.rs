//! `ntm-api ready`: the container's health check. It asks `GET /ready` of the service on
//! its own address, so the image needs no curl or shell: one HTTP/1.1 request on a plain
//! socket with a 3 s limit, and the status line read back.
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(3);

/// Ok when the service listening on `bind` (e.g. `0.0.0.0:8080`) answers `/ready` with 200.
pub fn ready(bind: &str) -> Result<(), String> {
    let address = local_address(bind)?;
    let mut stream = TcpStream::connect_timeout(&address, LIMIT)
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    stream
        .set_read_timeout(Some(LIMIT))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(LIMIT))
        .map_err(|e| e.to_string())?;
    let request = format!(
        "GET /ready HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nUser-Agent: ntm-api-ready\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("sending to {address}: {e}"))?;
    let mut head = [0u8; 64];
    let mut read = 0;
    while read < 12 {
        match stream.read(&mut head[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(format!("reading from {address}: {e}")),
        }
    }
    let status_line = String::from_utf8_lossy(&head[..read]);
    match status_line.split_whitespace().nth(1) {
        Some("200") => Ok(()),
        Some(code) => Err(format!("/ready answered {code}")),
        None => Err(format!("no HTTP answer from {address}")),
    }
}

/// The address to reach a server bound to `bind`: a wildcard host becomes loopback.
fn local_address(bind: &str) -> Result<SocketAddr, String> {
    let address = bind
        .to_socket_addrs()
        .map_err(|e| format!("NTM_BIND {bind}: {e}"))?
        .next()
        .ok_or_else(|| format!("NTM_BIND {bind} names no address"))?;
    Ok(match address {
        SocketAddr::V4(a) if a.ip().is_unspecified() => {
            SocketAddr::from(([127, 0, 0, 1], a.port()))
        }
        SocketAddr::V6(a) if a.ip().is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, a.port()))
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn wildcard_binds_are_asked_on_loopback() {
        assert_eq!(
            super::local_address("0.0.0.0:8080").unwrap().to_string(),
            "127.0.0.1:8080"
        );
        assert!(
            super::ready("127.0.0.1:1").is_err(),
            "nothing listens on port 1"
        );
    }
}
