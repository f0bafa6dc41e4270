//! Settings (`/settings/notifications`): who hears about trouble and how —
//! email over SMTP, signed webhooks, the events, the thresholds — with
//! secrets shown only as set or not set, and a test through every channel.

mod fields;
mod notifications;
mod webhooks;

pub use notifications::NotificationsPage;
