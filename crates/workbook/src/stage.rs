//! The reference stages, where they are, and the files of each.

use std::fs;
use std::path::{Path, PathBuf};

use crate::exercise::{self, Exercise};

/// The repository: two folders above this crate's.
pub fn root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// `path` as a learner reads it: from the repository's root, if it is
/// inside it.
pub fn shown(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let relative = path.strip_prefix(root()).unwrap_or(&path);
    relative.display().to_string()
}

/// A reference stage: `crates/stepNN_topic`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// Its number, from 1.
    pub number: u32,
    /// Its crate's name: `step01_tasks`.
    pub name: String,
}

impl Stage {
    /// Where the reference stage is.
    pub fn dir(&self) -> PathBuf {
        root().join("crates").join(&self.name)
    }

    /// Its chapter's title, from the chapter's first heading: `Plain
    /// tasks and run()`.
    pub fn title(&self) -> String {
        let chapters = fs::read_dir(root().join("chapters"))
            .map(|dir| dir.filter_map(Result::ok).collect::<Vec<_>>())
            .unwrap_or_default();
        let prefix = format!("{:02}-", self.number);
        let chapter = chapters
            .iter()
            .find(|c| c.file_name().to_string_lossy().starts_with(&prefix));
        let text = chapter
            .and_then(|c| fs::read_to_string(c.path()).ok())
            .unwrap_or_default();
        let title = text.lines().find_map(|l| l.strip_prefix("# "));
        title.unwrap_or(&self.name).to_string()
    }

    /// The exercises of this stage, its own (not those of earlier stages
    /// its source keeps), in their order.
    pub fn exercises(&self) -> Result<Vec<Exercise>, String> {
        let mut all = exercises_in(&self.dir())?;
        all.retain(|e| e.stage == self.number);
        all.sort_by_key(|e| e.number);
        Ok(all)
    }
}

/// Every stage, in order, from `crates/`.
pub fn stages() -> Vec<Stage> {
    let mut stages: Vec<Stage> = fs::read_dir(root().join("crates"))
        .map(|dir| dir.filter_map(Result::ok).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let number = name.strip_prefix("step")?.get(..2)?.parse().ok()?;
            Some(Stage { number, name })
        })
        .collect();
    stages.sort_by_key(|s| s.number);
    stages
}

/// The stage numbered `number`, or why there is none: the stages that
/// exist, by number and name.
pub fn stage(number: &str) -> Result<Stage, String> {
    let all = stages();
    let found = number
        .parse::<u32>()
        .ok()
        .and_then(|n| all.iter().find(|s| s.number == n));
    found.cloned().ok_or_else(|| {
        let list: Vec<String> =
            all.iter().map(|s| format!("{} ({})", s.number, s.name)).collect();
        format!(
            "there is no stage {number:?}: the stages are {}",
            list.join(", ")
        )
    })
}

/// Every exercise marked in the `src/` of the crate at `dir`, of every
/// stage, file by file.
pub fn exercises_in(dir: &Path) -> Result<Vec<Exercise>, String> {
    let mut all = Vec::new();
    for file in source_files(&dir.join("src")) {
        let text = fs::read_to_string(dir.join("src").join(&file))
            .map_err(|e| format!("{file}: {e}"))?;
        all.extend(exercise::parse(&file, &text)?);
    }
    Ok(all)
}

/// The `.rs` files under `src` (not the demo, `main.rs`), relative to
/// it, sorted.
pub fn source_files(src: &Path) -> Vec<String> {
    let mut files: Vec<String> = fs::read_dir(src)
        .map(|dir| dir.filter_map(Result::ok).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".rs") && name != "main.rs")
        .collect();
    files.sort();
    files
}

/// Every file under `dir`, relative to it, sorted; `target` and hidden
/// folders are left out.
pub fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(relative) = stack.pop() {
        let Ok(entries) = fs::read_dir(dir.join(&relative)) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let path = relative.join(&name);
            if entry.path().is_dir() {
                let name = name.to_string_lossy();
                if name != "target" && !name.starts_with('.') {
                    stack.push(path);
                }
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
