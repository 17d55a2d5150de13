//! A lean HTTP/1.1 client for the checkout driver: one keep-alive connection per shopper,
//! requests written as one buffer, responses read with httparse, cookies kept by name.
//!
//! The checkout benchmark shares the machine's two cores with its driver, and its
//! reference (openssl) has both cores to itself. reqwest's connection pool, header maps,
//! cookie store and per-client root store cost the driver ~8 % of the machine; this client
//! does the same exchanges for a fraction of it, so more of what is measured is the shop.
//! It speaks only what puzi answers: `content-length` or chunked bodies, redirects not
//! followed, no TLS.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub(crate) struct Shopper {
    addr: String,
    conn: Option<TcpStream>,
    buf: Vec<u8>,
    cookies: Vec<(String, String)>,
}

pub(crate) struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

impl Shopper {
    /// `base` is `http://host:port`.
    pub(crate) fn new(base: &str) -> Shopper {
        let addr = base.trim_start_matches("http://").trim_end_matches('/').to_string();
        Shopper { addr, conn: None, buf: Vec::with_capacity(8192), cookies: Vec::new() }
    }

    /// A form POST (`fields` url-encoded).
    pub(crate) async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> std::io::Result<Reply> {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        self.send("POST", path, Some("application/x-www-form-urlencoded"), body.as_bytes()).await
    }

    pub(crate) async fn post_json(&mut self, path: &str, body: &str) -> std::io::Result<Reply> {
        self.send("POST", path, Some("application/json"), body.as_bytes()).await
    }

    /// A GET of `target`: a path, or an absolute `http://…` URL on the same host.
    pub(crate) async fn get(&mut self, target: &str) -> std::io::Result<Reply> {
        let path = match target.strip_prefix("http://") {
            Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]).to_string(),
            None => target.to_string(),
        };
        self.send("GET", &path, None, b"").await
    }

    async fn send(&mut self, method: &str, path: &str, ctype: Option<&str>, body: &[u8]) -> std::io::Result<Reply> {
        let mut req = format!("{method} {path} HTTP/1.1\r\nhost: {}\r\nuser-agent: puzi-bench\r\n", self.addr);
        if !self.cookies.is_empty() {
            req.push_str("cookie: ");
            for (i, (k, v)) in self.cookies.iter().enumerate() {
                if i > 0 {
                    req.push_str("; ");
                }
                req.push_str(k);
                req.push('=');
                req.push_str(v);
            }
            req.push_str("\r\n");
        }
        if let Some(t) = ctype {
            req.push_str(&format!("content-type: {t}\r\ncontent-length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        let mut out = req.into_bytes();
        out.extend_from_slice(body);
        // A kept-alive connection the server closed in the meantime gets one fresh try.
        for attempt in 0..2 {
            if self.conn.is_none() {
                let s = TcpStream::connect(&self.addr).await?;
                s.set_nodelay(true)?;
                self.conn = Some(s);
                self.buf.clear();
            }
            match self.exchange(&out).await {
                Ok(r) => return Ok(r),
                Err(e) if attempt == 0 && matches!(e.kind(), std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe) => {
                    self.conn = None
                }
                Err(e) => {
                    self.conn = None;
                    return Err(e);
                }
            }
        }
        unreachable!()
    }

    async fn exchange(&mut self, out: &[u8]) -> std::io::Result<Reply> {
        let conn = self.conn.as_mut().expect("connected");
        conn.write_all(out).await?;
        // The head.
        let (status, location, close, framing, head_len) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut resp = httparse::Response::new(&mut headers);
            match resp.parse(&self.buf) {
                Ok(httparse::Status::Complete(n)) => {
                    let (mut location, mut close, mut framing) = (None, false, Framing::Length(0));
                    for h in resp.headers.iter() {
                        let v = std::str::from_utf8(h.value).unwrap_or("");
                        if h.name.eq_ignore_ascii_case("set-cookie") {
                            let pair = v.split(';').next().unwrap_or("");
                            if let Some((k, val)) = pair.split_once('=') {
                                self.cookies.retain(|(n, _)| n != k.trim());
                                if !val.is_empty() {
                                    self.cookies.push((k.trim().to_string(), val.trim().to_string()));
                                }
                            }
                        } else if h.name.eq_ignore_ascii_case("location") {
                            location = Some(v.to_string());
                        } else if h.name.eq_ignore_ascii_case("connection") {
                            close = v.eq_ignore_ascii_case("close");
                        } else if h.name.eq_ignore_ascii_case("content-length") {
                            framing = Framing::Length(v.trim().parse().map_err(|_| bad("content-length"))?);
                        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                            framing = Framing::Chunked;
                        }
                    }
                    break (resp.code.unwrap_or(0), location, close, framing, n);
                }
                Ok(httparse::Status::Partial) => fill(conn, &mut self.buf).await?,
                Err(_) => return Err(bad("response head")),
            }
        };
        self.buf.drain(..head_len);
        let body = match framing {
            Framing::Length(n) => {
                while self.buf.len() < n {
                    fill(conn, &mut self.buf).await?;
                }
                self.buf.drain(..n).collect()
            }
            Framing::Chunked => {
                let mut body = Vec::new();
                loop {
                    let line_end = loop {
                        if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                            break i;
                        }
                        fill(conn, &mut self.buf).await?;
                    };
                    let size_text = std::str::from_utf8(&self.buf[..line_end]).map_err(|_| bad("chunk"))?;
                    let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16).map_err(|_| bad("chunk"))?;
                    while self.buf.len() < line_end + 2 + size + 2 {
                        fill(conn, &mut self.buf).await?;
                    }
                    body.extend_from_slice(&self.buf[line_end + 2..line_end + 2 + size]);
                    self.buf.drain(..line_end + 2 + size + 2);
                    if size == 0 {
                        break body;
                    }
                }
            }
        };
        if close {
            self.conn = None;
            self.buf.clear();
        }
        Ok(Reply { status, location, body })
    }
}

enum Framing {
    Length(usize),
    Chunked,
}

async fn fill(conn: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<()> {
    let mut chunk = [0u8; 8192];
    let n = conn.read(&mut chunk).await?;
    if n == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("bad {what}"))
}
