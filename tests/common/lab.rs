//! Starts a real `calipso-lab up --daemon` for a test, on a unique loopback address, and stops it
//! (`calipso-lab down`) when dropped.

#![allow(dead_code)]

use calipso::lab::model::{self, LabSizes, MechanismDriver, Model, TypeDriver};
use rand::Rng;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const LAB_EXE: &str = env!("CARGO_BIN_EXE_calipso-lab");

pub struct Lab {
    pub dir: tempfile::TempDir,
    pub bind: String,
    pub env: Value,
    pub model: Model,
    pub summary: String,
}

pub fn lab_command(args: &[&str]) -> Output {
    Command::new(LAB_EXE)
        .args(args)
        .output()
        .expect("run calipso-lab")
}

pub fn random_bind() -> String {
    format!("127.0.0.{}", rand::thread_rng().gen_range(2..250))
}

impl Lab {
    /// Default sizes (3 hosts, 4 instances, OVS, VXLAN) plus `extra` flags.
    pub fn start(extra: &[&str]) -> Lab {
        Self::start_with(default_sizes(), extra)
    }

    pub fn start_with(sizes: LabSizes, extra: &[&str]) -> Lab {
        let mut last_error = String::new();
        // A random address may collide with a lab of another test: retry on another one.
        for _ in 0..5 {
            let dir = tempfile::tempdir().expect("tempdir");
            let bind = random_bind();
            let output = Command::new(LAB_EXE)
                .args(up_args(&sizes, dir.path(), &bind))
                .args(extra)
                .output()
                .expect("run calipso-lab up");
            if output.status.success() {
                let env_text =
                    std::fs::read_to_string(dir.path().join("environment.json")).unwrap();
                return Lab {
                    env: serde_json::from_str(&env_text).unwrap(),
                    model: model::build(sizes.clone()).unwrap(),
                    summary: String::from_utf8_lossy(&output.stdout).trim().to_string(),
                    dir,
                    bind,
                };
            }
            last_error = String::from_utf8_lossy(&output.stderr).to_string();
            if !last_error.contains("in use") {
                break;
            }
        }
        panic!("calipso-lab up failed: {last_error}");
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A field of an environment.json configuration section.
    pub fn conf(&self, section: &str, field: &str) -> String {
        let sections = self.env["configuration"].as_array().unwrap();
        let s = sections
            .iter()
            .find(|s| s["name"] == section)
            .unwrap_or_else(|| panic!("no {section} section"));
        s[field]
            .as_str()
            .unwrap_or_else(|| panic!("{section}.{field}"))
            .to_string()
    }

    pub fn url(&self, port: u16, path: &str) -> String {
        format!("http://{}:{port}{path}", self.bind)
    }

    pub fn key_path(&self) -> PathBuf {
        PathBuf::from(self.conf("CLI", "key"))
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let dir = self.dir.path().to_string_lossy().to_string();
        let _ = lab_command(&["down", "--dir", &dir]);
    }
}

pub fn default_sizes() -> LabSizes {
    LabSizes {
        seed: 1,
        hosts: 3,
        instances: 4,
        mechanism_driver: MechanismDriver::Ovs,
        type_driver: TypeDriver::Vxlan,
    }
}

fn driver_name(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

pub fn up_args(sizes: &LabSizes, dir: &Path, bind: &str) -> Vec<String> {
    vec![
        "up".into(),
        "--daemon".into(),
        "--wait-lock".into(),
        "--dir".into(),
        dir.to_string_lossy().to_string(),
        "--bind".into(),
        bind.into(),
        "--seed".into(),
        sizes.seed.to_string(),
        "--hosts".into(),
        sizes.hosts.to_string(),
        "--instances".into(),
        sizes.instances.to_string(),
        "--mechanism-driver".into(),
        driver_name(&sizes.mechanism_driver),
        "--type-driver".into(),
        driver_name(&sizes.type_driver),
        // The lab stops by itself if this test process dies without dropping it.
        "--watch-pid".into(),
        std::process::id().to_string(),
    ]
}
