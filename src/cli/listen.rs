//! The server's listening socket and the process's file limit, set up before serving: a
//! listen backlog deep enough for a flash sale's burst of new connections (tokio's
//! `TcpListener::bind` asks for 1,024; the kernel caps it at `net.core.somaxconn`), and
//! the soft `RLIMIT_NOFILE` raised to the hard limit so `[server] max_connections` can be
//! reached (each connection is a file), with a warning when it still cannot.

use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpSocket};

/// Connections the kernel may hold, established, before the server accepts them.
pub(crate) const BACKLOG: u32 = 4096;

/// Files the server needs besides its connections: the store, the log, the control
/// socket, TLS files, blocking threads' work and the refusals being answered.
const FILES_BESIDES_CONNECTIONS: u64 = 128;

/// Binds `addr` with `SO_REUSEADDR` (as `TcpListener::bind` does) and a `BACKLOG` queue.
pub(crate) fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Raises the soft limit on open files to the hard limit; returns the soft limit in force
/// afterwards (`None` where there is no such limit to read).
#[cfg(unix)]
pub(crate) fn raise_file_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` writes one `rlimit` through a valid pointer to a local.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return None;
    }
    // An unlimited hard limit still stops at the kernel's `fs.nr_open` (2^20 by default).
    let target = if lim.rlim_max == libc::RLIM_INFINITY {
        1 << 20
    } else {
        lim.rlim_max
    };
    if lim.rlim_cur < target {
        let raised = libc::rlimit {
            rlim_cur: target,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: `setrlimit` reads one `rlimit` through a valid pointer to a local.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            lim.rlim_cur = target;
        }
    }
    // `rlim_t` is `u64` on Linux, not on every unix.
    #[allow(clippy::useless_conversion)]
    let soft = u64::try_from(lim.rlim_cur).unwrap_or(u64::MAX);
    Some(soft)
}

#[cfg(not(unix))]
pub(crate) fn raise_file_limit() -> Option<u64> {
    None
}

/// Raises the file limit and warns when `max_connections` still cannot be reached under
/// it (connections over the limit would fail to be accepted instead of getting a 503).
pub(crate) fn prepare_file_limit(max_connections: usize) {
    let Some(limit) = raise_file_limit() else {
        return;
    };
    let need = max_connections as u64 + FILES_BESIDES_CONNECTIONS;
    if limit < need {
        tracing::warn!(
            limit,
            max_connections,
            "the open-file limit is below max_connections plus {FILES_BESIDES_CONNECTIONS}: \
             raise LimitNOFILE (or ulimit -n) or lower [server] max_connections"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The soft `Max open files` limit of this process, from /proc/self/limits.
    #[cfg(target_os = "linux")]
    fn soft_and_hard() -> (String, String) {
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
        let line = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .unwrap();
        let mut f = line["Max open files".len()..].split_whitespace();
        (f.next().unwrap().into(), f.next().unwrap().into())
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_soft_file_limit_is_raised_to_the_hard_one() {
        let (_, hard) = soft_and_hard();
        if hard == "unlimited" {
            return;
        }
        // Lower the soft limit by one first (not further: other tests run in this process),
        // so the test fails unless it is raised again.
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: valid pointers to locals.
        unsafe {
            assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
            lim.rlim_cur = lim.rlim_max - 1;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
        }
        assert_ne!(soft_and_hard().0, hard);
        let now = raise_file_limit().unwrap();
        assert_eq!(soft_and_hard(), (hard.clone(), hard.clone()));
        assert_eq!(now.to_string(), hard);
    }

    #[tokio::test]
    async fn the_listener_takes_connections_on_the_asked_address() {
        let l = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = l.local_addr().unwrap();
        let (client, accepted) = tokio::join!(tokio::net::TcpStream::connect(addr), l.accept());
        assert_eq!(client.unwrap().local_addr().unwrap(), accepted.unwrap().1);
    }
}
