//! `mxlab`: MX Lab on the command line.

use clap::Parser;

/// MX Lab on the command line.
#[derive(Debug, Parser)]
#[command(name = "mxlab", version, about)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
    println!(
        "mxlab {} (simulation {}, protocol core {})",
        env!("CARGO_PKG_VERSION"),
        mxlab_sim::VERSION,
        mxlab_sim::PROTO_VERSION
    );
}
