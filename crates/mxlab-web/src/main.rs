//! The MX Lab web app's entry point, built by Trunk from `index.html`.

fn main() {
    mxlab_web::start();
}
