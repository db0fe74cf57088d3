//! Any bytes, read as a workbook someone hands in: by the template reader and by `check`.
//! Errors are expected; a crash is a bug. From the project folder:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run read fuzz/corpus/read fixtures templates`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    backprop_sheet::read_untrusted(data);
});
