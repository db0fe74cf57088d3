//! Which test prerequisites this machine lacks, so that the tests needing them are marked
//! ignored with the reason (`cargo test` lists them as such) rather than passing unseen. Under CI
//! (`CI` set) nothing is ever ignored: a missing prerequisite fails its tests there.

use std::path::Path;
use std::process::Command;

fn main() {
    for cfg in ["no_libreoffice", "no_corpus", "not_root", "no_numpy"] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-env-changed=BACKPROP_CORPUS");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=/usr/bin/soffice");
    println!("cargo::rerun-if-changed=../shared/corpus");
    if std::env::var_os("CI").is_some() {
        return;
    }
    let libreoffice = Command::new("soffice").arg("--version").output().is_ok_and(|o| o.status.success())
        && Command::new("/usr/bin/python3").args(["-c", "import uno"]).status().is_ok_and(|s| s.success());
    if !libreoffice {
        println!("cargo::rustc-cfg=no_libreoffice");
    }
    if std::env::var_os("BACKPROP_CORPUS").is_none() && !Path::new("../shared/corpus").is_dir() {
        println!("cargo::rustc-cfg=no_corpus");
    }
    if !Command::new("python3").args(["-c", "import numpy"]).status().is_ok_and(|s| s.success()) {
        println!("cargo::rustc-cfg=no_numpy");
    }
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if !root {
        println!("cargo::rustc-cfg=not_root");
    }
}
