//! The MX Lab web app's entry point, built by Trunk from `index.html`.

#[cfg(target_arch = "wasm32")]
fn main() {
    mxlab_web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("MX Lab's web app runs in a browser: `cargo xtask serve` builds and serves it");
    std::process::exit(2);
}
