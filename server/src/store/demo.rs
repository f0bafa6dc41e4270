//! Demo data for `provisio serve --demo`: a ready-made organisation to try
//! the portal with. Seeding never overwrites what an operator has set.

use super::{DEFAULT_DOMAIN, Store};
use crate::ServerError;

/// The demo organisation's domain.
pub const DEMO_DOMAIN: &str = "contoso.com";

impl Store {
    /// Adds the demo data that is not there yet.
    pub async fn seed_demo(&self) -> Result<(), ServerError> {
        if self.set_setting_if_absent(DEFAULT_DOMAIN, DEMO_DOMAIN).await? {
            tracing::info!(default_domain = DEMO_DOMAIN, "demo data seeded");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn seeds_the_default_domain_but_keeps_an_existing_one() {
        let s = Store::open("sqlite::memory:").await.unwrap();
        s.seed_demo().await.unwrap();
        assert_eq!(s.setting(DEFAULT_DOMAIN).await.unwrap().as_deref(), Some(DEMO_DOMAIN));
        s.set_setting(DEFAULT_DOMAIN, "fabrikam.com").await.unwrap();
        s.seed_demo().await.unwrap();
        assert_eq!(
            s.setting(DEFAULT_DOMAIN).await.unwrap().as_deref(),
            Some("fabrikam.com")
        );
    }
}
