//! The flags that say what jobs' targets may reach from this process, shared
//! by `serve`, `agent` and `job provision` (each of which connects to
//! targets itself).

use std::path::PathBuf;

use clap::Args;
use provisio_connectors::TargetPolicy;
use provisio_connectors::network::NetworkPolicy;

#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Networks SCIM and REST targets may not be in, checked on the addresses a host name resolves to:
    /// comma-separated CIDRs or addresses; "" denies none. Loopback and private ranges are allowed by
    /// default, since on-premises targets live there [default: link-local and cloud metadata addresses]
    #[arg(long, env = "PROVISIO_DENY_TARGET_NETWORKS", value_name = "CIDRS", value_parser = NetworkPolicy::parse)]
    deny_target_networks: Option<NetworkPolicy>,
    /// The folder SQLite target files must be in (symbolic links resolved); without it, SQLite targets
    /// are refused. Provisio's own database is never a target.
    #[arg(long, env = "PROVISIO_SQLITE_TARGET_DIR", value_name = "DIR")]
    sqlite_target_dir: Option<PathBuf>,
}

impl TargetArgs {
    pub fn policy(&self) -> TargetPolicy {
        TargetPolicy {
            networks: self.deny_target_networks.clone().unwrap_or_default(),
            sqlite_dir: self.sqlite_target_dir.clone(),
            own_database: None,
        }
    }
}
