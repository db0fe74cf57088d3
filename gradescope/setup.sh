#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image; the zip's contents
# are in /autograder/source. With a prebuilt binary in the zip (`backprop-sheet`, built for
# x86_64 Linux), nothing is downloaded; without one, Rust is installed and the source in the zip
# is built.
set -euo pipefail
cd /autograder/source
if [ -x backprop-sheet ]; then
    install -m 755 backprop-sheet /usr/local/bin/backprop-sheet
else
    apt-get install -y curl build-essential
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    "$HOME/.cargo/bin/cargo" build --release --locked
    install -m 755 target/release/backprop-sheet /usr/local/bin/backprop-sheet
fi
backprop-sheet --version
