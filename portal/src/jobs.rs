//! Applications (provisioning jobs): the list, creating one, and a job's
//! page with its tabs. Each tab lives in its own module under `jobs/` and
//! gets the job as a [`JobSignal`]; tabs that change the definition save it
//! through [`state::save_definition`].

mod page;
pub mod state;

mod connection;
mod definition;
mod directory_source;
mod eval_inputs;
mod inbound;
mod list;
mod mappings;
mod new;
mod on_demand;
mod preview;
mod scoping;
mod settings;

pub use list::JobsPage;
pub use new::NewJobPage;
pub use page::JobPage;
pub use state::JobSignal;
