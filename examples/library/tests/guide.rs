//! `docs/getting-started.md` walks through this example: each of its files must stand in the
//! guide word for word (after the file's `//!` header), so the guide cannot drift from code
//! that is compiled and tested.

use std::path::Path;

/// The file's text as the guide shows it: without its leading `//!` lines and blank lines.
fn as_in_guide(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .skip_while(|line| line.starts_with("//!") || line.trim().is_empty())
        .collect();
    lines.join("\n")
}

#[test]
fn the_guide_holds_every_file_of_the_example() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let guide = std::fs::read_to_string(here.join("../../docs/getting-started.md"))
        .unwrap_or_else(|e| unreachable!("docs/getting-started.md: {e}"));
    for file in ["src/lib.rs", "src/main.rs", "tests/api.rs"] {
        let text = std::fs::read_to_string(here.join(file))
            .unwrap_or_else(|e| unreachable!("{file}: {e}"));
        let shown = as_in_guide(&text);
        assert!(shown.lines().count() > 10, "{file} is not empty");
        assert!(
            guide.contains(&shown),
            "docs/getting-started.md no longer shows examples/library/{file} as it is: copy the \
             file (without its `//!` header) into the guide's block again"
        );
    }
}

#[test]
fn the_guide_links_to_files_that_exist() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let guide = std::fs::read_to_string(docs.join("getting-started.md"))
        .unwrap_or_else(|e| unreachable!("docs/getting-started.md: {e}"));
    let mut checked = 0;
    for rest in guide.split("](").skip(1) {
        let target = rest.split(')').next().unwrap_or_default();
        if target.starts_with("http") {
            continue;
        }
        assert!(
            target.ends_with(".md"),
            "`{target}` is not a relative .md link"
        );
        assert!(docs.join(target).is_file(), "docs/{target} does not exist");
        checked += 1;
    }
    assert!(
        checked >= 5,
        "the guide links to the other guides ({checked} links)"
    );
}
