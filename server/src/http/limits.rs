//! How long a client may take and how many may be connected at once: the
//! limits that keep slow or idle clients from holding the server.

use std::time::Duration;

/// The server's limits on its clients (`provisio serve --header-timeout-secs`,
/// `--request-timeout-secs`, `--max-connections`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// A connection must deliver a complete request head within this long
    /// of being accepted or of its previous answer, or it is closed. This
    /// also closes kept-alive connections that sit idle.
    pub header_timeout: Duration,
    /// A request must be answered within this long of its head arriving,
    /// reading its body included; otherwise it is answered
    /// `408 Request Timeout`.
    pub request_timeout: Duration,
    /// At most this many connections are served at once. Further clients
    /// wait in the operating system's queue of connections, unread, until
    /// one closes.
    pub max_connections: usize,
}

impl HttpLimits {
    pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 30;
    /// Long enough for an on-demand run whose target goes through an agent.
    pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 300;
    pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_timeout: Duration::from_secs(Self::DEFAULT_HEADER_TIMEOUT_SECS),
            request_timeout: Duration::from_secs(Self::DEFAULT_REQUEST_TIMEOUT_SECS),
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
        }
    }
}
