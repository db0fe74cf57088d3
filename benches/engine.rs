//! The engine alone, then the whole writer: rows of the worksheet per second apart from the cost
//! of writing xlsx, and the workbook of six learning rates on one worker and on every core, at
//! the deflate levels the choice was made between (see the README's performance section).

use backprop_sheet::columns::Col;
use backprop_sheet::engine::rows;
use backprop_sheet::template::{self, Overrides};
use backprop_sheet::write::{self as report, Options, ZIP_LEVEL};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn engine(c: &mut Criterion) {
    let (params, _) = template::load(None, &Overrides::default()).expect("the built-in template reads");
    let mut group = c.benchmark_group("engine");
    const ROWS: usize = 10_000;
    group.throughput(Throughput::Elements(ROWS as u64));
    group.bench_function("rows of one learning rate", |b| {
        b.iter(|| {
            let last = rows(&params.inputs, black_box(0.5), ROWS, params.inputs.columns().formulas()).last();
            black_box(last.map(|r| r.get(Col::ETotal)))
        })
    });
    group.finish();
}

fn writer(c: &mut Criterion) {
    const ROWS: usize = 2_000;
    let over = Overrides { iterations: Some(ROWS), ..Overrides::default() };
    let (params, _) = template::load(None, &over).expect("the built-in template reads");
    let spill = tempfile::tempdir().expect("a scratch folder");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut group = c.benchmark_group("writer, 6 x 2,000");
    group.sample_size(10);
    group.throughput(Throughput::Elements((ROWS * params.learning_rates.len()) as u64));
    let mut levels = vec![1, ZIP_LEVEL, 6];
    levels.dedup();
    for workers in [1, cores] {
        for &level in &levels {
            let options = Options { workers, deflate_level: Some(level), ..Options::default() };
            group.bench_function(format!("{workers} worker(s), deflate level {level}"), |b| {
                b.iter(|| {
                    let mut out = std::io::Cursor::new(Vec::new());
                    report::write(&params, options.clone(), spill.path(), &mut out, |_| true)
                        .expect("the workbook is written");
                    black_box(out.into_inner().len())
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, engine, writer);
criterion_main!(benches);
