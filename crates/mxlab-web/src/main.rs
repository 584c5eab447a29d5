//! The MX Lab web app's entry point, built by `cargo xtask app` (a Trunk build
//! hook, for `www/index.html`) in parts: see `components::parts`.

#[cfg(target_arch = "wasm32")]
fn main() {
    mxlab_web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("MX Lab's web app runs in a browser: `cargo xtask serve` builds and serves it");
    std::process::exit(2);
}
