//! `man/` must be what `examples/gen_man.rs` generates from the current command line; after a
//! change of any flag, run `cargo run --example gen_man` and commit `man/`.

#[path = "../examples/gen_man.rs"]
mod gen_man;

use std::collections::BTreeMap;
use std::path::Path;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["", "completions"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn committed() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("man")
}

#[test]
fn man_pages_and_completions_are_up_to_date() {
    let fresh = tempfile::tempdir().unwrap();
    gen_man::generate(fresh.path()).unwrap();
    let expected = files(fresh.path());
    let actual = files(&committed());
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&actual),
        names(&expected),
        "man/ is stale: run `cargo run --example gen_man` and commit man/"
    );
    for (name, content) in &expected {
        assert!(
            actual.get(name) == Some(content),
            "man/{name} is stale: run `cargo run --example gen_man` and commit man/"
        );
    }
}

/// Every long flag `--help` shows is documented in the man page of its subcommand.
#[test]
fn man_pages_document_every_long_flag() {
    let flag = regex::Regex::new(r"--[a-z][a-z_-]*").unwrap();
    for sub in ["scan", "test-conn", "scan-manager"] {
        let help = assert_cmd::Command::cargo_bin("calipso")
            .unwrap()
            .args([sub, "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8(help.stdout).unwrap();
        let page = std::fs::read_to_string(committed().join(format!("calipso-{sub}.1")))
            .unwrap()
            .replace("\\-", "-");
        assert!(
            page.starts_with(".ie"),
            "calipso-{sub}.1 is not a roff page"
        );
        for m in flag.find_iter(&help) {
            assert!(
                page.contains(m.as_str()),
                "calipso-{sub}.1 lacks {}",
                m.as_str()
            );
        }
    }
}
