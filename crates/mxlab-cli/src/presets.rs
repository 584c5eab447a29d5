//! `mxlab presets`: the compiled-in presets with their titles (and
//! lessons with `--long`); `--export DIR` writes them as files.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use mxlab_sim::presets::{preset, PRESETS};

use crate::{plural, Outcome};

pub fn list(long: bool, out: &mut dyn Write) -> Result<Outcome> {
    let width = PRESETS.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, _) in PRESETS {
        let (title, lesson) = match preset(name) {
            Ok(s) => (s.name, s.lesson),
            Err(e) => (format!("(does not load: {e})"), String::new()),
        };
        writeln!(out, "{name:<width$}  {}", one_line(&title))?;
        if long && !lesson.is_empty() {
            writeln!(out, "{:<width$}  {}", "", one_line(&lesson))?;
            writeln!(out)?;
        }
    }
    Ok(Outcome::Success)
}

pub fn export(dir: &Path, out: &mut dyn Write) -> Result<Outcome> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (name, json) in PRESETS {
        let path = dir.join(format!("{name}.json"));
        fs::write(&path, json).with_context(|| format!("cannot write {}", path.display()))?;
    }
    writeln!(
        out,
        "wrote {} to {}",
        plural(PRESETS.len(), "preset"),
        dir.display()
    )?;
    Ok(Outcome::Success)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
