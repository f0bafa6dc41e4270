//! Rebuilds the server when a migration is added: `sqlx::migrate!` embeds
//! server/migrations/, and without this Cargo would not notice a new file.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
