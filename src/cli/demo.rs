//! `collectiq demo`: the whole flow on the embedded sandbox, narrated.

use std::path::Path;

use super::Outcome;
use super::context::runtime;

pub fn run(out: &Path) -> Outcome {
    println!("CollectIQ demo: everything it makes goes to {}/\n", out.display());
    let say = |step: &str| println!("- {step}");
    match runtime().and_then(|runtime| runtime.block_on(crate::demo::demo(out, &say))) {
        Ok(demo) => {
            print!("{}", demo.summary());
            Outcome::Clean
        }
        Err(error) => {
            eprintln!("error: the demo stopped: {error}");
            Outcome::Failed
        }
    }
}
