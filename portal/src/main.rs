//! Entry point of the portal's wasm binary: mounts the app on the page.

fn main() {
    provisio_portal::start();
}
