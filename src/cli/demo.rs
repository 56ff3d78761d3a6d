//! `collectiq demo`: the whole flow on the embedded sandbox, narrated.

use std::path::Path;

use super::Outcome;
use super::error::block_on;
use super::output::fail;

pub fn run(out: &Path) -> Outcome {
    println!("CollectIQ demo: everything it makes goes to {}/\n", out.display());
    let say = |step: &str| println!("- {step}");
    match block_on(async { Ok(crate::demo::demo(out, &say).await?) }) {
        Ok(demo) => {
            print!("{}", demo.summary());
            Outcome::Clean
        }
        Err(error) => {
            eprintln!("The demo stopped.");
            fail(error)
        }
    }
}
